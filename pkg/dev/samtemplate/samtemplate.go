// Package samtemplate reads the service's AWS SAM template, so that the one
// definition of the table (and, for tests, of the functions and routes) is
// the deployed one.
package samtemplate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// FileName is the template's name at the repository root.
const FileName = "template.yaml"

// Template is a parsed template. Intrinsic functions in short form
// (!Ref X, !Sub s, !GetAtt a.b) are expanded to their long JSON form
// ({"Ref": "X"}, {"Fn::Sub": "s"}, {"Fn::GetAtt": ["a", "b"]}).
type Template struct {
	Parameters map[string]json.RawMessage `json:"Parameters"`
	Globals    map[string]json.RawMessage `json:"Globals"`
	Resources  map[string]Resource        `json:"Resources"`
}

// Resource is one resource of the template.
type Resource struct {
	Type       string          `json:"Type"`
	Metadata   json.RawMessage `json:"Metadata"`
	Properties json.RawMessage `json:"Properties"`
}

// Find returns the path of template.yaml: $TEMPLATE_FILE, or the first
// template.yaml in the working directory or one of its parents (so it works
// from the repository root and from any package's tests).
func Find() (string, error) {
	if p := os.Getenv("TEMPLATE_FILE"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, FileName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("samtemplate: no template.yaml in this directory or its parents (set TEMPLATE_FILE)")
		}
		dir = parent
	}
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("samtemplate: %s: %w", path, err)
	}
	doc, err := plain(&root)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %s: %w", path, err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("samtemplate: %s: %w", path, err)
	}
	return &t, nil
}

// LoadDefault finds and loads the template.
func LoadDefault() (*Template, error) {
	path, err := Find()
	if err != nil {
		return nil, err
	}
	return Load(path)
}

// Table returns the logical id and Properties of the template's only
// AWS::DynamoDB::Table.
func (t *Template) Table() (string, json.RawMessage, error) {
	var name string
	for id, r := range t.Resources {
		if r.Type == "AWS::DynamoDB::Table" {
			if name != "" {
				return "", nil, errors.New("samtemplate: more than one AWS::DynamoDB::Table")
			}
			name = id
		}
	}
	if name == "" {
		return "", nil, errors.New("samtemplate: no AWS::DynamoDB::Table")
	}
	return name, t.Resources[name].Properties, nil
}

// plain converts a YAML node into JSON-ready values, expanding intrinsic
// function tags.
func plain(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return plain(n.Content[0])
	case yaml.AliasNode:
		return plain(n.Alias)
	}
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := plain(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			val, err := plain(c)
			if err != nil {
				return nil, err
			}
			s[i] = val
		}
		v = s
	default:
		if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
			if err := n.Decode(&v); err != nil {
				return nil, err
			}
			return v, nil
		}
		v = n.Value
	}
	switch tag := n.Tag; {
	case tag == "!Ref":
		return map[string]any{"Ref": v}, nil
	case tag == "!GetAtt":
		if s, ok := v.(string); ok {
			v = strings.SplitN(s, ".", 2)
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	case strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!"):
		return map[string]any{"Fn::" + tag[1:]: v}, nil
	}
	return v, nil
}
