package examreg

import (
	"github.com/certhub/examreg/pkg/jsondoc"
	"strings"
)

// shape is what a member of a document must look like: a JSON type and, for
// arrays and objects, what they hold. A free-form shape takes any JSON value.
type shape struct {
	kind    jsondoc.Kind
	free    bool         // any JSON value
	integer bool         // a number without fraction or exponent
	item    *shape       // what an array holds
	object  *objectShape // an object's members; nil for a free-form object
}

// objectShape lists the members an object may have, in the order the
// service writes them.
type objectShape struct {
	names  []string
	shapes map[string]*shape
	index  map[string]int
}

// field is one member of an object shape.
type field struct {
	name  string
	shape *shape
}

var (
	aString     = &shape{kind: jsondoc.KindString}
	aBoolean    = &shape{kind: jsondoc.KindBool}
	aNumber     = &shape{kind: jsondoc.KindNumber}
	anInteger   = &shape{kind: jsondoc.KindNumber, integer: true}
	anyValue    = &shape{free: true}
	aFreeObject = &shape{kind: jsondoc.KindObject}
)

func arrayOf(item *shape) *shape { return &shape{kind: jsondoc.KindArray, item: item} }

func objectOf(fields ...field) *shape {
	o := &objectShape{shapes: map[string]*shape{}, index: map[string]int{}}
	for i, f := range fields {
		o.names = append(o.names, f.name)
		o.shapes[f.name] = f.shape
		o.index[f.name] = i
	}
	return &shape{kind: jsondoc.KindObject, object: o}
}

// strings is an object shape whose members are all strings.
func stringsObject(names ...string) *shape {
	fields := make([]field, len(names))
	for i, n := range names {
		fields[i] = field{n, aString}
	}
	return objectOf(fields...)
}

// what names the JSON type a shape requires, for error messages.
func (s *shape) what() string {
	switch {
	case s.integer:
		return "an integer"
	case s.kind == jsondoc.KindString:
		return "a string"
	case s.kind == jsondoc.KindBool:
		return "a boolean"
	case s.kind == jsondoc.KindNumber:
		return "a number"
	case s.kind == jsondoc.KindArray:
		return "an array"
	}
	return "an object"
}

// conformer checks a document against a shape and collects every problem.
type conformer struct {
	// of names what the document is, for the message about an unknown
	// member: "an exam reg process".
	of       string
	path     jsondoc.Path
	problems []FieldError
}

func (c *conformer) add(message string) {
	c.problems = append(c.problems, FieldError{Field: formatPath(c.path), Message: message})
}

// value checks v against s and returns it in the form the service keeps:
// members of typed objects that are null are dropped (null means absent),
// and every object's members are sorted by name. v is not null, and is not
// changed: what differs is copied.
func (c *conformer) value(v jsondoc.Value, s *shape) jsondoc.Value {
	if s.free {
		return c.free(v)
	}
	if v.Kind() != s.kind {
		c.add("must be " + s.what())
		return v
	}
	switch v.Kind() {
	case jsondoc.KindNumber:
		if _, whole := v.Int64(); s.integer && !whole {
			c.add("must be " + s.what())
		} else if problem := numberProblem(v.Text()); problem != "" {
			c.add(problem)
		}
	case jsondoc.KindArray:
		items := make([]jsondoc.Value, len(v.Items()))
		for i, item := range v.Items() {
			c.path = append(c.path, jsondoc.ItemStep(i))
			items[i] = c.value(item, s.item)
			c.path = c.path[:len(c.path)-1]
		}
		return jsondoc.ArrayValue(items)
	case jsondoc.KindObject:
		if s.object == nil {
			return c.free(v)
		}
		return jsondoc.ObjectValue(byName(c.members(v.Members(), s)))
	}
	return v
}

// members checks the members of an object of shape s and returns them as
// the service keeps them: null members dropped, each member conformed.
func (c *conformer) members(members []jsondoc.Member, s *shape) []jsondoc.Member {
	kept := make([]jsondoc.Member, 0, len(members))
	for _, m := range members {
		if m.Value.Kind() == jsondoc.KindNull {
			continue
		}
		c.path = append(c.path, jsondoc.MemberStep(m.Name))
		if ms, ok := s.object.shapes[m.Name]; ok {
			m.Value = c.value(m.Value, ms)
		} else {
			c.add("is not a field of " + c.of)
		}
		c.path = c.path[:len(c.path)-1]
		kept = append(kept, m)
	}
	return kept
}

// free checks a free-form value and returns it as the service keeps it: as
// written, but with every object's members sorted by name. DynamoDB must be
// able to store it, so every number must fit DynamoDB's and no member name
// may be empty.
func (c *conformer) free(v jsondoc.Value) jsondoc.Value {
	switch v.Kind() {
	case jsondoc.KindNumber:
		if problem := numberProblem(v.Text()); problem != "" {
			c.add(problem)
		}
	case jsondoc.KindArray:
		items := make([]jsondoc.Value, len(v.Items()))
		for i, item := range v.Items() {
			c.path = append(c.path, jsondoc.ItemStep(i))
			items[i] = c.free(item)
			c.path = c.path[:len(c.path)-1]
		}
		return jsondoc.ArrayValue(items)
	case jsondoc.KindObject:
		members := byName(v.Members())
		for i, m := range members {
			switch {
			case m.Name == "":
				c.add(`has a member named "": DynamoDB cannot store an empty member name`)
			case len(m.Name) > maxMemberName:
				c.add("has a member name longer than 65,535 bytes, which DynamoDB cannot store")
			}
			c.path = append(c.path, jsondoc.MemberStep(m.Name))
			members[i].Value = c.free(m.Value)
			c.path = c.path[:len(c.path)-1]
		}
		return jsondoc.ObjectValue(members)
	}
	return v
}

// maxMemberName is DynamoDB's limit on an attribute name, at any depth.
const maxMemberName = 65535

// ObjectMembers lists the members of every typed object in the schema of an
// exam reg process, by path: "" for the record itself, "name" for the object
// in a member, "name[]" for the objects an array holds. Documents that
// describe the resource (the OpenAPI document) are held to it.
func ObjectMembers() map[string][]string {
	all := map[string][]string{}
	var walk func(path string, s *shape)
	walk = func(path string, s *shape) {
		switch {
		case s.kind == jsondoc.KindArray && s.item != nil:
			walk(path+"[]", s.item)
		case s.kind == jsondoc.KindObject && s.object != nil:
			all[path] = s.object.names
			for _, name := range s.object.names {
				walk(strings.TrimPrefix(path+"."+name, "."), s.object.shapes[name])
			}
		}
	}
	walk("", processShape)
	return all
}

// RegistrationFields lists the members of an exam registration.
func RegistrationFields() []string { return registrationShape.object.names }
