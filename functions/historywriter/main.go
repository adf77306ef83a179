// Command historywriter is the Lambda function the table's stream triggers:
// it writes the change history.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/certhub/examreg/pkg/function"
	"github.com/certhub/examreg/pkg/history"
)

func main() {
	st, log := function.Init()
	lambda.Start((&history.Writer{Store: st, Log: log, MetricsNamespace: function.MetricsNamespace()}).Handle)
}
