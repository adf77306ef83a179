// Command update is the Lambda function of the update operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(api.MustFromEnv(lambdahttp.Gateway{}).Serve(api.Update))
}
