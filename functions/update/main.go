// Command update is the Lambda function of the update operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
)

func main() {
	function.ServeHTTP(api.Update)
}
