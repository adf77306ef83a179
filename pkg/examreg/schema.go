package examreg

import (
	"slices"
	"strings"
)

// shape is what a member of a document must look like: a JSON type and, for
// arrays and objects, what they hold. A free-form shape takes any JSON value.
type shape struct {
	kind    Kind
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
	aString     = &shape{kind: KindString}
	aBoolean    = &shape{kind: KindBool}
	aNumber     = &shape{kind: KindNumber}
	anInteger   = &shape{kind: KindNumber, integer: true}
	anyValue    = &shape{free: true}
	aFreeObject = &shape{kind: KindObject}
)

func arrayOf(item *shape) *shape { return &shape{kind: KindArray, item: item} }

func objectOf(fields ...field) *shape {
	o := &objectShape{shapes: map[string]*shape{}, index: map[string]int{}}
	for i, f := range fields {
		o.names = append(o.names, f.name)
		o.shapes[f.name] = f.shape
		o.index[f.name] = i
	}
	return &shape{kind: KindObject, object: o}
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
	case s.kind == KindString:
		return "a string"
	case s.kind == KindBool:
		return "a boolean"
	case s.kind == KindNumber:
		return "a number"
	case s.kind == KindArray:
		return "an array"
	}
	return "an object"
}

// conformer checks a document against a shape and collects every problem.
type conformer struct {
	path     []pathStep
	problems []FieldError
}

func (c *conformer) add(message string) {
	c.problems = append(c.problems, FieldError{Field: formatPath(c.path), Message: message})
}

// value checks v against s and returns it in the form the service keeps:
// members of typed objects that are null are dropped (null means absent),
// and every object's members are sorted by name. v is not null.
func (c *conformer) value(v Value, s *shape) Value {
	if s.free {
		c.free(v)
		return v
	}
	if v.kind != s.kind {
		c.add("must be " + s.what())
		return v
	}
	switch v.kind {
	case KindNumber:
		if _, whole := integerValue(v.text); s.integer && !whole {
			c.add("must be " + s.what())
		} else if problem := numberProblem(v.text); problem != "" {
			c.add(problem)
		}
	case KindArray:
		for i, item := range v.items {
			c.path = append(c.path, pathStep{index: i})
			v.items[i] = c.value(item, s.item)
			c.path = c.path[:len(c.path)-1]
		}
	case KindObject:
		if s.object == nil {
			c.free(v)
			return v
		}
		v.members = c.members(v.members, s)
		sortByName(v.members)
	}
	return v
}

// members checks the members of an object of shape s and returns them as
// the service keeps them: null members dropped, each member conformed.
func (c *conformer) members(members []Member, s *shape) []Member {
	members = slices.DeleteFunc(members, func(m Member) bool { return m.Value.kind == KindNull })
	for i, m := range members {
		c.path = append(c.path, pathStep{name: m.Name, index: -1})
		if ms, ok := s.object.shapes[m.Name]; ok {
			members[i].Value = c.value(m.Value, ms)
		} else {
			c.add("unknown field")
		}
		c.path = c.path[:len(c.path)-1]
	}
	return members
}

// free checks a free-form value: it is kept as written, but DynamoDB must be
// able to store it, so every number must fit DynamoDB's and no member name
// may be empty. Members are sorted by name.
func (c *conformer) free(v Value) {
	switch v.kind {
	case KindNumber:
		if problem := numberProblem(v.text); problem != "" {
			c.add(problem)
		}
	case KindArray:
		for i, item := range v.items {
			c.path = append(c.path, pathStep{index: i})
			c.free(item)
			c.path = c.path[:len(c.path)-1]
		}
	case KindObject:
		sortByName(v.members)
		for _, m := range v.members {
			switch {
			case m.Name == "":
				c.add(`has a member named "": DynamoDB cannot store an empty member name`)
			case len(m.Name) > maxMemberName:
				c.add("has a member name longer than 65,535 bytes, which DynamoDB cannot store")
			}
			c.path = append(c.path, pathStep{name: m.Name, index: -1})
			c.free(m.Value)
			c.path = c.path[:len(c.path)-1]
		}
	}
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
		case s.kind == KindArray && s.item != nil:
			walk(path+"[]", s.item)
		case s.kind == KindObject && s.object != nil:
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
