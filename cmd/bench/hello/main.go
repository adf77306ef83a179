// Command hello is the yardstick of the cold-start benchmark: an
// aws-lambda-go function that answers every API Gateway event with 200,
// built with the same flags as the service's functions.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `"hello"`}, nil
	})
}
