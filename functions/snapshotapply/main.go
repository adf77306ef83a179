// Command snapshotapply is the Lambda function of the snapshotapply
// operation. It links the history's diff: a plan's patches, and the undo
// snapshot it takes before writing.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/history"
)

func main() {
	function.ServeHTTP(api.SnapshotApply, func(c *api.Config) { c.Diff = history.Diff })
}
