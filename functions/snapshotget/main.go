// Command snapshotget is the Lambda function of the snapshotget operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
)

func main() {
	function.ServeHTTP(api.SnapshotGet, function.WithSnapshots)
}
