package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// Exam registrations are owned by the registrations service; this service
// reads a contact's latest for the eligible operation, and counts a
// process's before deleting it.

// LatestRegistration reads the contact's most recent registration for the
// exam (by date), or returns nil. One Query, newest first, Limit 1: the sort
// key orders a contact's registrations by exam and then date.
func (s *Store) LatestRegistration(ctx context.Context, tenant, contactID, examID string) (*examreg.Registration, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: contactPK(tenant, contactID)},
			":prefix": &types.AttributeValueMemberS{Value: regPrefix + examID + "#"},
		},
		ScanIndexForward:       aws.Bool(false),
		Limit:                  aws.Int32(1),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, translate(err)
	}
	if len(out.Items) == 0 {
		return nil, nil
	}
	return examreg.NewRegistration(membersOf(out.Items[0])), nil
}

// RegistrationItem places an exam registration of a tenant under its
// contact, ordered by exam and date, and indexes it by its process, for a
// bulk load.
func RegistrationItem(tenant string, r *examreg.Registration) Item {
	item := attributesOf(r.Document().Members())
	item["pk"] = &types.AttributeValueMemberS{Value: contactPK(tenant, r.Text("student_id"))}
	item["sk"] = &types.AttributeValueMemberS{Value: regPrefix + r.Text("exam_id") + "#" + r.Text("date") + "#" + r.Text("id")}
	if process := r.Text("process_id"); process != "" {
		item["gsi1pk"] = &types.AttributeValueMemberS{Value: processRefPK(tenant, process)}
		item["gsi1sk"] = &types.AttributeValueMemberS{Value: r.Text("date") + "#" + r.Text("id")}
	}
	return item
}
