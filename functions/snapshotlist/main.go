// Command snapshotlist is the Lambda function of the snapshotlist operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
)

func main() {
	function.ServeHTTP(api.SnapshotList, function.WithSnapshots)
}
