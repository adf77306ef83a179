package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/dev/localenv"
)

const warmSamples = 300

// warmOverhead compares a GET through the local server (HTTP, token check,
// the handler, one GetItem, JSON) with a bare SDK GetItem of the same item on
// the same engine, interleaved so both see the same machine.
func warmOverhead(ctx context.Context, engine *localenv.Engine, r *report) error {
	s, err := newService(ctx, engine, "warm")
	if err != nil {
		return err
	}
	defer s.close()
	id, err := s.create("Warm")
	if err != nil {
		return err
	}
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "TENANT#" + tenant},
		"sk": &types.AttributeValueMemberS{Value: "EXAMREGPROCESS#" + id},
	}
	var api, bare durations
	for i := range warmSamples + 20 {
		a, err := s.must("GET", "/examRegProcesses/"+tenant+"/"+id, "")
		if err != nil {
			return err
		}
		start := time.Now()
		out, err := s.store.Client().GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.store.Table()), Key: key})
		took := time.Since(start)
		if err != nil || out.Item == nil {
			return fmt.Errorf("bare GetItem: %v", err)
		}
		if i >= 20 { // the first ones warm connections and caches
			api, bare = append(api, a.took), append(bare, took)
		}
	}
	ratio := float64(api.median()) / float64(bare.median())
	r.verdict("warm GET through the local server at most 1.25× a bare SDK GetItem (median)", ratio <= 1.25, fmt.Sprintf("%.2f×", ratio))
	r.section("Warm overhead", fmt.Sprintf(`
%d GETs through the local server (real HTTP, dev-token verification, the get handler, one GetItem,
JSON) interleaved with %d bare SDK GetItem calls for the same item on the same moto:

| | median | p99 |
|---|---|---|
| GET through the local server | %s | %s |
| bare SDK GetItem | %s | %s |
| ratio | **%.2f×** | %.2f× |

What the service itself adds per request, without any engine, is in the handler benchmarks (the first section).`,
		warmSamples, warmSamples, ms(api.median()), ms(api.quantile(0.99)), ms(bare.median()), ms(bare.quantile(0.99)),
		ratio, float64(api.quantile(0.99))/float64(bare.quantile(0.99))))
	return nil
}
