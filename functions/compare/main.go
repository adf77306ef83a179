// Command compare is the Lambda function of the compare operation: the only
// HTTP function that links the history's diff.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/history"
)

func main() {
	function.ServeHTTP(api.Compare, func(c *api.Config) { c.Diff = history.Diff })
}
