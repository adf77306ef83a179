// Command snapshotdelete is the Lambda function of the snapshotdelete operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
)

func main() {
	function.ServeHTTP(api.SnapshotDelete, function.WithSnapshots)
}
