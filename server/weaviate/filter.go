package weaviate

import (
	"fmt"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/instructd/instructd/server/backend"
)

// folded is a filter that translation proved constant.
type folded int

const (
	notConst folded = iota
	alwaysTrue
	alwaysFalse
)

// translate turns our filter into Weaviate's, exactly: every operator maps to typed
// ContainsAny/range/Not filters on the properties of props.go, and a comparison on a
// property the collection has never stored folds to a constant (a missing field
// matches only $ne and $nin; comparisons across JSON types are false). known reports
// whether a property exists in the collection's schema.
func translate(f *backend.Filter, known func(string) bool) (*pb.Filters, folded, error) {
	switch f.Op {
	case "$and", "$or":
		isAnd := f.Op == "$and"
		var kids []*pb.Filters
		for _, c := range f.Children {
			t, k, err := translate(c, known)
			if err != nil {
				return nil, notConst, err
			}
			switch {
			case k == alwaysFalse && isAnd:
				return nil, alwaysFalse, nil
			case k == alwaysTrue && !isAnd:
				return nil, alwaysTrue, nil
			case k == notConst:
				kids = append(kids, t)
			}
		}
		switch len(kids) {
		case 0:
			if isAnd {
				return nil, alwaysTrue, nil
			}
			return nil, alwaysFalse, nil
		case 1:
			return kids[0], notConst, nil
		}
		op := pb.Filters_OPERATOR_AND
		if !isAnd {
			op = pb.Filters_OPERATOR_OR
		}
		return &pb.Filters{Operator: op, Filters: kids}, notConst, nil
	case "$eq":
		return membership(f.Path, []any{f.Arg}, known)
	case "$in":
		return membership(f.Path, f.Set, known)
	case "$ne":
		return negate(membership(f.Path, []any{f.Arg}, known))
	case "$nin":
		return negate(membership(f.Path, f.Set, known))
	case "$gt", "$gte", "$lt", "$lte":
		return rangeFilter(f, known)
	}
	return nil, notConst, fmt.Errorf("weaviate: unsupported filter operator %q", f.Op)
}

// membership matches objects whose field holds (or, for an array, has an element equal
// to) any of values.
func membership(path []string, values []any, known func(string) bool) (*pb.Filters, folded, error) {
	var (
		texts []string
		nums  []float64
		bools []bool
		null  bool
	)
	for _, v := range values {
		t, val, ok := scalar(v)
		if !ok {
			continue
		}
		switch t {
		case typeText:
			texts = append(texts, val.(string))
		case typeNumber:
			nums = append(nums, val.(float64))
		case typeBool:
			bools = append(bools, val.(bool))
		case typeNull:
			null = true
		}
	}
	var kids []*pb.Filters
	add := func(t byte, tv func() any) {
		name, ok := propName(path, t)
		if !ok || !known(name) {
			return
		}
		f := &pb.Filters{Operator: pb.Filters_OPERATOR_CONTAINS_ANY, Target: target(name)}
		switch v := tv().(type) {
		case []string:
			f.TestValue = &pb.Filters_ValueTextArray{ValueTextArray: &pb.TextArray{Values: v}}
		case []float64:
			f.TestValue = &pb.Filters_ValueNumberArray{ValueNumberArray: &pb.NumberArray{Values: v}}
		case []bool:
			f.TestValue = &pb.Filters_ValueBooleanArray{ValueBooleanArray: &pb.BooleanArray{Values: v}}
		}
		kids = append(kids, f)
	}
	if len(texts) > 0 {
		add(typeText, func() any { return texts })
	}
	if len(nums) > 0 {
		add(typeNumber, func() any { return nums })
	}
	if len(bools) > 0 {
		add(typeBool, func() any { return bools })
	}
	if null {
		add(typeNull, func() any { return []bool{true} })
	}
	switch len(kids) {
	case 0:
		return nil, alwaysFalse, nil
	case 1:
		return kids[0], notConst, nil
	}
	return &pb.Filters{Operator: pb.Filters_OPERATOR_OR, Filters: kids}, notConst, nil
}

// negate is Not of a translation (folding constants).
func negate(f *pb.Filters, k folded, err error) (*pb.Filters, folded, error) {
	switch {
	case err != nil:
		return nil, notConst, err
	case k == alwaysFalse:
		return nil, alwaysTrue, nil
	case k == alwaysTrue:
		return nil, alwaysFalse, nil
	}
	return &pb.Filters{Operator: pb.Filters_OPERATOR_NOT, Filters: []*pb.Filters{f}}, notConst, nil
}

// rangeFilter compares numbers with numbers and strings with strings; an array field
// matches when any element does.
func rangeFilter(f *backend.Filter, known func(string) bool) (*pb.Filters, folded, error) {
	t, val, ok := scalar(f.Arg)
	if !ok || (t != typeText && t != typeNumber) {
		return nil, alwaysFalse, nil
	}
	name, ok := propName(f.Path, t)
	if !ok || !known(name) {
		return nil, alwaysFalse, nil
	}
	out := &pb.Filters{Target: target(name)}
	switch f.Op {
	case "$gt":
		out.Operator = pb.Filters_OPERATOR_GREATER_THAN
	case "$gte":
		out.Operator = pb.Filters_OPERATOR_GREATER_THAN_EQUAL
	case "$lt":
		out.Operator = pb.Filters_OPERATOR_LESS_THAN
	default:
		out.Operator = pb.Filters_OPERATOR_LESS_THAN_EQUAL
	}
	if t == typeText {
		out.TestValue = &pb.Filters_ValueText{ValueText: val.(string)}
	} else {
		out.TestValue = &pb.Filters_ValueNumber{ValueNumber: val.(float64)}
	}
	return out, notConst, nil
}

func target(prop string) *pb.FilterTarget {
	return &pb.FilterTarget{Target: &pb.FilterTarget_Property{Property: prop}}
}

// and combines two filters (either may be nil).
func and(a, b *pb.Filters) *pb.Filters {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return &pb.Filters{Operator: pb.Filters_OPERATOR_AND, Filters: []*pb.Filters{a, b}}
}

// textEq matches a text property exactly (field tokenization).
func textEq(prop, v string) *pb.Filters {
	return &pb.Filters{Operator: pb.Filters_OPERATOR_EQUAL, Target: target(prop), TestValue: &pb.Filters_ValueText{ValueText: v}}
}

// textIn matches a text property against several values.
func textIn(prop string, vs []string) *pb.Filters {
	return &pb.Filters{Operator: pb.Filters_OPERATOR_CONTAINS_ANY, Target: target(prop),
		TestValue: &pb.Filters_ValueTextArray{ValueTextArray: &pb.TextArray{Values: vs}}}
}
