// Package emftest checks log lines against the CloudWatch embedded metric
// format: its specification's JSON schema (testdata/schema.json), and the
// rules the schema cannot state, that every metric a directive names is a
// number member of the line and every dimension a string member.
package emftest

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/certhub/examreg/pkg/emf"
)

//go:embed testdata/schema.json
var schemaJSON []byte

var schema = func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("emf.json", doc); err != nil {
		panic(err)
	}
	return c.MustCompile("emf.json")
}()

// Validate returns the values the line declares, or why it is not a valid
// embedded metric format document.
func Validate(line []byte) ([]emf.Value, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if err := schema.Validate(doc); err != nil {
		return nil, err
	}
	return emf.Read(line)
}
