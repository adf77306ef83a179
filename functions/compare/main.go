// Command compare is the Lambda function of the compare operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(api.MustFromEnv(lambdahttp.Gateway{}).WithDiff(history.Diff).Serve(api.Compare))
}
