package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTable creates the store's table from its CloudFormation definition
// (the Properties of the AWS::DynamoDB::Table resource, as JSON) unless it
// already exists, and waits until it is active. Keeping template.yaml the one
// place the schema is written means local runs and tests use exactly the
// deployed key schema and indexes. CloudFormation's property names are the
// API's, so the definition decodes straight into a CreateTableInput;
// properties the API does not take at creation are ignored.
func (s *Store) CreateTable(ctx context.Context, properties json.RawMessage) (created bool, err error) {
	var props map[string]json.RawMessage
	if err := json.Unmarshal(properties, &props); err != nil {
		return false, fmt.Errorf("store: table definition: %w", err)
	}
	delete(props, "TableName") // an intrinsic function in the template; the name is ours
	b, _ := json.Marshal(props)
	var in dynamodb.CreateTableInput
	if err := json.Unmarshal(b, &in); err != nil {
		return false, fmt.Errorf("store: table definition: %w", err)
	}
	in.TableName = aws.String(s.table)
	if in.StreamSpecification != nil {
		// CloudFormation enables a stream by giving its view type; the
		// API wants it said.
		in.StreamSpecification.StreamEnabled = aws.Bool(true)
	}
	_, err = s.db.CreateTable(ctx, &in)
	var inUse *types.ResourceInUseException
	switch {
	case errors.As(err, &inUse):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: create table %s: %w", s.table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(s.db)
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}, 2*time.Minute); err != nil {
		return true, fmt.Errorf("store: wait for table %s: %w", s.table, err)
	}
	// Time to live is set on a table that exists.
	if raw, ok := props["TimeToLiveSpecification"]; ok {
		var ttl types.TimeToLiveSpecification
		if err := json.Unmarshal(raw, &ttl); err != nil {
			return true, fmt.Errorf("store: table definition: %w", err)
		}
		if _, err := s.db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(s.table), TimeToLiveSpecification: &ttl}); err != nil {
			return true, fmt.Errorf("store: time to live of %s: %w", s.table, err)
		}
	}
	return true, nil
}

// ProcessKey returns the partition and sort key of a tenant's process item,
// for tools that read the table directly.
func ProcessKey(tenant, id string) (pk, sk string) { return tenantPK(tenant), processSK(id) }
