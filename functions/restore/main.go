// Command restore is the Lambda function of the restore operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(api.MustFromEnv(lambdahttp.Gateway{}).Serve(api.Restore))
}
