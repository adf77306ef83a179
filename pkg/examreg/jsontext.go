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
// Children are gathered on a stack shared by every container and copied out
// once each container ends, so a container costs one allocation.
type parser struct {
	dec     *jsontext.Decoder
	path    []pathStep
	items   []Value
	members []Member
}

// pathStep is a member name or, when index >= 0, an array index.
type pathStep struct {
	name  string
	index int
}

func (p *parser) value() (Value, error) {
	switch p.dec.PeekKind() {
	case '[':
		if _, err := p.dec.ReadToken(); err != nil { // too deep, say
			return Value{}, err
		}
		base := len(p.items)
		for p.dec.PeekKind() != ']' {
			p.path = append(p.path, pathStep{index: len(p.items) - base})
			item, err := p.value()
			if err != nil {
				return Value{}, err
			}
			p.path = p.path[:len(p.path)-1]
			p.items = append(p.items, item)
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return Value{}, err
		}
		items := append([]Value{}, p.items[base:]...)
		p.items = p.items[:base]
		return ArrayValue(items), nil
	case '{':
		if _, err := p.dec.ReadToken(); err != nil {
			return Value{}, err
		}
		base := len(p.members)
		for p.dec.PeekKind() != '}' {
			raw, err := p.dec.ReadValue() // jsontext checks that names are strings and unique
			if err != nil {
				if errors.Is(err, jsontext.ErrDuplicateName) {
					p.path = append(p.path, pathStep{name: duplicateName(err), index: -1})
				}
				return Value{}, err
			}
			name := p.text(raw)
			p.path = append(p.path, pathStep{name: name, index: -1})
			v, err := p.value()
			if err != nil {
				return Value{}, err
			}
			p.path = p.path[:len(p.path)-1]
			p.members = append(p.members, Member{Name: name, Value: v})
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return Value{}, err
		}
		members := append([]Member{}, p.members[base:]...)
		p.members = p.members[:base]
		return ObjectValue(members), nil
	}
	raw, err := p.dec.ReadValue()
	if err != nil {
		return Value{}, err
	}
	switch raw[0] {
	case 'n':
		return Value{}, nil
	case 't':
		return BoolValue(true), nil
	case 'f':
		return BoolValue(false), nil
	case '"':
		return StringValue(p.text(raw)), nil
	}
	return NumberValue(string(raw)), nil
}

// text is the string a raw JSON string holds. The names of the schema come
// from one table rather than a new allocation each.
func (p *parser) text(raw jsontext.Value) string {
	quoted := raw[1 : len(raw)-1]
	if bytes.IndexByte(quoted, '\\') < 0 {
		if name, ok := knownNames[string(quoted)]; ok {
			return name
		}
		return string(quoted)
	}
	unquoted, _ := jsontext.AppendUnquote(nil, raw) // jsontext has checked it
	return string(unquoted)
}

// knownNames are the member names of the bodies the service reads.
var knownNames = func() map[string]string {
	names := map[string]string{}
	var walk func(s *shape)
	walk = func(s *shape) {
		if s.item != nil {
			walk(s.item)
		}
		if s.object != nil {
			for _, n := range s.object.names {
				names[n] = n
				walk(s.object.shapes[n])
			}
		}
	}
	walk(processShape)
	for _, n := range []string{"op", "path", "from", "value", "operations", "operation", "id", "patch_directives"} {
		names[n] = n
	}
	return names
}()

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
// only UTF-8. Most strings need no escape and are copied as they are; the
// others are quoted by jsontext.
func AppendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			out, _ := jsontext.AppendQuote(dst, s)
			return out
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
