// Command snapshotapply is the Lambda function of the snapshotapply
// operation. It links the history's diffs: a plan's patches, and the
// guarded ones of the undo snapshot it takes before writing.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/history"
)

func main() {
	function.ServeHTTP(api.SnapshotApply, function.WithSnapshots, func(c *api.Config) { c.Diff, c.GuardedDiff = history.Diff, history.GuardedDiff })
}
