package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// WarmUpKey is the partition key the warm-up reads. Nothing is stored under
// it; functions that read nothing else are allowed to read only it.
const WarmUpKey = "WARMUP"

// Warm makes one cheap read (of a key that holds nothing) so that the
// connection to DynamoDB, its TLS session, the credentials and the SDK's lazy
// set-up are ready before the first request: on Lambda, during init rather
// than on a client's time. It gives up after timeout; the caller logs a
// failure and carries on, so a slow engine never fails an init.
func (s *Store) Warm(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table),
		Key:       key(WarmUpKey, WarmUpKey),
	}, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	return err
}
