package examreg

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// The strict JSON reader and writer of every body the service reads and
// every answer it writes. Tokens come from jsontext (the module that became
// Go's encoding/json/jsontext), which rejects invalid UTF-8, unpaired UTF-16
// surrogate escapes and duplicate member names, and which reads a document
// in one pass without reflection.

var decoders = sync.Pool{New: func() any { return jsontext.NewDecoder(bytes.NewReader(nil)) }}

// ParseJSON parses data, which must hold exactly one JSON value and nothing
// after it. Every problem is an EINVALID *Error; a member name given twice in
// one object is reported with the member's path.
func ParseJSON(data []byte) (Value, error) {
	dec := decoders.Get().(*jsontext.Decoder)
	defer decoders.Put(dec)
	dec.Reset(bytes.NewReader(data))
	p := parser{dec: dec}
	v, err := p.value()
	switch {
	case errors.Is(err, io.EOF): // nothing but white space
		return Value{}, Invalid("no JSON value: the body is empty")
	case err != nil:
		return Value{}, p.invalid(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return Value{}, Invalid("invalid JSON: unexpected data after the JSON value")
	}
	return v, nil
}

// parser builds a Value from tokens, keeping the path it is at for errors.
type parser struct {
	dec  *jsontext.Decoder
	path []pathStep
}

// pathStep is a member name or, when index >= 0, an array index.
type pathStep struct {
	name  string
	index int
}

func (p *parser) value() (Value, error) {
	tok, err := p.dec.ReadToken()
	if err != nil {
		return Value{}, err
	}
	switch tok.Kind() {
	case 'n':
		return Value{}, nil
	case 't', 'f':
		return BoolValue(tok.Bool()), nil
	case '"':
		return StringValue(tok.String()), nil
	case '0':
		return NumberValue(tok.String()), nil
	case '[':
		items := []Value{}
		for p.dec.PeekKind() != ']' {
			p.path = append(p.path, pathStep{index: len(items)})
			item, err := p.value()
			if err != nil {
				return Value{}, err
			}
			p.path = p.path[:len(p.path)-1]
			items = append(items, item)
		}
		p.dec.ReadToken()
		return ArrayValue(items), nil
	}
	// '{': jsontext checks that names are strings and unique.
	members := []Member{}
	for p.dec.PeekKind() != '}' {
		name, err := p.dec.ReadToken()
		if err != nil {
			if errors.Is(err, jsontext.ErrDuplicateName) {
				p.path = append(p.path, pathStep{name: duplicateName(err), index: -1})
			}
			return Value{}, err
		}
		n := name.String() // a token is valid until the next read
		p.path = append(p.path, pathStep{name: n, index: -1})
		v, err := p.value()
		if err != nil {
			return Value{}, err
		}
		p.path = p.path[:len(p.path)-1]
		members = append(members, Member{Name: n, Value: v})
	}
	p.dec.ReadToken()
	return ObjectValue(members), nil
}

// duplicateName is the repeated name a duplicate-name error points at.
func duplicateName(err error) string {
	var syntax *jsontext.SyntacticError
	if errors.As(err, &syntax) {
		return syntax.JSONPointer.LastToken()
	}
	return ""
}

// invalid turns a tokenizer error into an EINVALID error for a client.
func (p *parser) invalid(err error) error {
	if errors.Is(err, jsontext.ErrDuplicateName) {
		return Invalid("invalid JSON: a member name is repeated",
			FieldError{Field: formatPath(p.path), Message: "is given more than once"})
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return Invalid("invalid JSON: the document ends before the value does")
	}
	var syntax *jsontext.SyntacticError
	if errors.As(err, &syntax) && strings.Contains(syntax.Err.Error(), "surrogate") {
		// encoding/json would store U+FFFD in its place: refused rather
		// than silently change the client's text.
		return Invalid("invalid JSON: a \\u escape is an unpaired UTF-16 surrogate")
	}
	if errors.As(err, &syntax) {
		// The tokenizer's own words, without its package name.
		return Invalid("invalid JSON: " + strings.TrimPrefix(syntax.Err.Error(), "jsontext: ") +
			" at byte " + strconv.FormatInt(syntax.ByteOffset, 10))
	}
	return Invalid("invalid JSON")
}

// formatPath writes a path the way FieldError.Field does:
// custom_field_values[2].list_value.
func formatPath(path []pathStep) string {
	var b strings.Builder
	for _, s := range path {
		if s.index >= 0 {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
	}
	return b.String()
}

// AppendJSON appends the JSON text of v to dst, members in their order.
func AppendJSON(dst []byte, v Value) []byte {
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
		return AppendString(dst, v.text)
	case KindArray:
		dst = append(dst, '[')
		for i, item := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, item)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i, m := range v.members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, m.Name)
		dst = append(dst, ':')
		dst = AppendJSON(dst, m.Value)
	}
	return append(dst, '}')
}

// AppendString appends s as a JSON string. Every string the service holds is
// valid UTF-8: it was parsed strictly, or read from DynamoDB, which stores
// only UTF-8.
func AppendString(dst []byte, s string) []byte {
	out, _ := jsontext.AppendQuote(dst, s)
	return out
}
