package jsondoc

import (
	"bytes"
	"encoding/json"

	"github.com/go-json-experiment/json/jsontext"
)

// AppendJSON appends the JSON text of v to dst: compact, members in their
// order, numbers as their literals, strings quoted as jsontext quotes them
// (no HTML escaping). It is the one writer of the model.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...)
	case KindBool:
		if v.text != "" {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case KindNumber:
		return append(dst, v.text...)
	case KindString:
		return appendString(dst, v.text)
	case KindArray:
		dst = append(dst, '[')
		for i, item := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = item.AppendJSON(dst)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i, m := range v.members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, m.Name)
		dst = append(dst, ':')
		dst = m.Value.AppendJSON(dst)
	}
	return append(dst, '}')
}

// MarshalJSON is v's JSON text, as AppendJSON writes it.
func (v Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// String is v's JSON text.
func (v Value) String() string { return string(v.AppendJSON(nil)) }

// appendString appends s as a JSON string. s is valid UTF-8: every string
// of the model was parsed strictly or given as UTF-8.
func appendString(dst []byte, s string) []byte {
	out, _ := jsontext.AppendQuote(dst, s)
	return out
}

// Marshal is the JSON text of a plain Go value (a struct with json tags,
// say) as encoding/json writes it, but without escaping <, > and & for
// HTML, as AppendJSON does not: so that everything the service writes reads
// the same, whether written from the model or from a struct. A Value inside
// v is written by its MarshalJSON.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
