// Command snapshottake is the Lambda function of the snapshottake
// operation. It links the history's diff: each captured record's
// patch_from_base is the diff from its base version.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/history"
)

func main() {
	function.ServeHTTP(api.SnapshotTake, func(c *api.Config) { c.Diff = history.Diff })
}
