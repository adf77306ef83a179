package jsondoc

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Parse reads the JSON text data, which must hold exactly one JSON value
// (white space around it aside) and nothing after it. It refuses what
// RFC 8259 leaves to the reader and other readers resolve silently: invalid
// UTF-8, a \u escape that is an unpaired UTF-16 surrogate (encoding/json
// would store U+FFFD in its place), and a member name given twice in one
// object. Numbers are kept as their literals. Every failure is a
// *SyntaxError.
//
// The tokens come from jsontext (the module that became Go's
// encoding/json/jsontext), which reads a document in one pass without
// reflection.
func Parse(data []byte) (Value, error) {
	p := parser{dec: jsontext.NewDecoder(bytes.NewReader(data))}
	v, err := p.value()
	switch {
	case errors.Is(err, io.EOF): // nothing but white space
		return Value{}, &SyntaxError{Err: ErrEmpty}
	case err != nil:
		return Value{}, p.syntaxError(err)
	}
	if _, err := p.dec.ReadToken(); !errors.Is(err, io.EOF) {
		return Value{}, &SyntaxError{Err: ErrTrailingData, Offset: p.dec.InputOffset()}
	}
	return v, nil
}

// What a *SyntaxError reports, besides the tokenizer's own descriptions.
var (
	ErrEmpty             = errors.New("no JSON value")
	ErrTrailingData      = errors.New("unexpected data after the JSON value")
	ErrTruncated         = errors.New("the document ends before the value does")
	ErrDuplicateName     = errors.New("a member name is repeated")
	ErrUnpairedSurrogate = errors.New(`a \u escape is an unpaired UTF-16 surrogate`)
)

// A SyntaxError is JSON text that Parse refuses.
type SyntaxError struct {
	// Err says what is wrong: one of the Err variables of this package, or
	// the tokenizer's description of the text at Offset.
	Err error
	// Offset is the byte offset in the text where the problem was found.
	Offset int64
	// Path is where in the document the problem lies: for
	// ErrDuplicateName, the member given twice.
	Path Path
}

func (e *SyntaxError) Error() string {
	return "jsondoc: " + e.Err.Error() + " at byte " + strconv.FormatInt(e.Offset, 10)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Path is where a value sits in a document: the steps from the root to it.
type Path []Step

// Step is one step of a Path: into an object's member Name, or, when
// Index >= 0, into an array's item Index.
type Step struct {
	Name  string
	Index int
}

// MemberStep is the step into the member name.
func MemberStep(name string) Step { return Step{Name: name, Index: -1} }

// ItemStep is the step into the array item i.
func ItemStep(i int) Step { return Step{Index: i} }

// parser builds a Value from tokens, keeping the path it is at for errors.
type parser struct {
	dec  *jsontext.Decoder
	path Path
}

func (p *parser) value() (Value, error) {
	switch p.dec.PeekKind() {
	case '[':
		if _, err := p.dec.ReadToken(); err != nil { // too deep, say
			return Value{}, err
		}
		items := []Value{}
		for p.dec.PeekKind() != ']' {
			p.path = append(p.path, ItemStep(len(items)))
			item, err := p.value()
			if err != nil {
				return Value{}, err
			}
			p.path = p.path[:len(p.path)-1]
			items = append(items, item)
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return Value{}, err
		}
		return ArrayValue(items), nil
	case '{':
		if _, err := p.dec.ReadToken(); err != nil {
			return Value{}, err
		}
		members := []Member{}
		for p.dec.PeekKind() != '}' {
			tok, err := p.dec.ReadToken() // jsontext checks that names are strings and unique
			if err != nil {
				if errors.Is(err, jsontext.ErrDuplicateName) {
					p.path = append(p.path, MemberStep(duplicateName(err)))
				}
				return Value{}, err
			}
			name := tok.String() // before the decoder moves on and voids tok
			p.path = append(p.path, MemberStep(name))
			v, err := p.value()
			if err != nil {
				return Value{}, err
			}
			p.path = p.path[:len(p.path)-1]
			members = append(members, Member{Name: name, Value: v})
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return Value{}, err
		}
		return ObjectValue(members), nil
	}
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
	}
	return NumberValue(tok.String()), nil
}

// duplicateName is the repeated name a duplicate-name error points at.
func duplicateName(err error) string {
	var syntax *jsontext.SyntacticError
	if errors.As(err, &syntax) {
		return syntax.JSONPointer.LastToken()
	}
	return ""
}

// syntaxError turns a tokenizer error into a *SyntaxError.
func (p *parser) syntaxError(err error) *SyntaxError {
	e := &SyntaxError{Err: err, Offset: p.dec.InputOffset(), Path: p.path}
	var syntax *jsontext.SyntacticError
	if errors.As(err, &syntax) {
		e.Offset, e.Err = syntax.ByteOffset, errors.New(strings.TrimPrefix(syntax.Err.Error(), "jsontext: "))
	}
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		e.Err = ErrDuplicateName
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Err = ErrTruncated
	case syntax != nil && strings.Contains(syntax.Err.Error(), "surrogate"):
		e.Err = ErrUnpairedSurrogate
	}
	return e
}
