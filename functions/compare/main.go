// Command compare is the Lambda function of the compare operation. It links
// the history's diff, as snapshottake and snapshotapply do; no other HTTP
// function does.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/history"
)

func main() {
	function.ServeHTTP(api.Compare, func(c *api.Config) { c.Diff = history.Diff })
}
