// Command baresdk is the bare-SDK floor of the cold-start and warm-latency
// benchmarks: an aws-lambda-go function that makes one DynamoDB GetItem of a
// demo record per invocation with a client built from the environment Lambda
// provides, as the service's functions build theirs, and nothing else. Built
// with the same flags as the service's functions.
package main

import (
	"cmp"
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/store"
)

func main() {
	cfg := aws.Config{
		Region:      cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION")),
		Credentials: credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	}
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"); endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	db := dynamodb.NewFromConfig(cfg)
	pk, sk := store.ProcessKey("demo", "standard-registration")
	input := &dynamodb.GetItemInput{
		TableName: aws.String(os.Getenv("TABLE_NAME")),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}},
	}
	lambda.Start(func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		out, err := db.GetItem(ctx, input)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		if out.Item == nil {
			log.Printf("no item %s %s", pk, sk)
			return events.APIGatewayV2HTTPResponse{StatusCode: 404}, nil
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	})
}
