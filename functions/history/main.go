// Command history is the Lambda function of the history operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(api.MustFromEnv(lambdahttp.Gateway{}).Serve(api.History))
}
