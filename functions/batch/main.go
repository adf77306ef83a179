// Command batch is the Lambda function of the batch operation.
package main

import (
	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
)

func main() {
	function.ServeHTTP(api.Batch)
}
