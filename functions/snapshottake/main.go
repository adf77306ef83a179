// Command snapshottake is the Lambda function of the snapshottake
// operation. It links the history's diffs: each captured record's
// patch_from_base is the guarded diff from its base version.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/history"
)

func main() {
	function.ServeHTTP(api.SnapshotTake, function.WithSnapshots, func(c *api.Config) { c.Diff, c.GuardedDiff = history.Diff, history.GuardedDiff })
}
