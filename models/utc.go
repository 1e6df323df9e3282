package models

import (
	"reflect"
	"time"

	"gorm.io/gorm"
)

// SQLite keeps times as text with the offset they were written in, so
// "2026-12-03 23:59:59+07:00" sorts after "2026-12-03 20:00:00+00:00" although
// it is earlier. Writing every time in UTC makes text order equal to time
// order (as PostgreSQL's timestamptz is by nature) for sorting and
// comparisons; readers convert to Vietnam time for display anyway.
func registerUTCWrites(db *gorm.DB) error {
	if err := db.Callback().Create().Before("gorm:create").Register("pakn:utc_create", utcWrite); err != nil {
		return err
	}
	return db.Callback().Update().Before("gorm:update").Register("pakn:utc_update", utcWrite)
}

var timeType = reflect.TypeOf(time.Time{})

func utcWrite(db *gorm.DB) {
	st := db.Statement
	if st == nil {
		return
	}
	switch dest := st.Dest.(type) {
	case map[string]any:
		for k, v := range dest {
			dest[k] = utcValue(v)
		}
		return
	case *map[string]any:
		for k, v := range *dest {
			(*dest)[k] = utcValue(v)
		}
		return
	}
	if st.Schema == nil || !st.ReflectValue.IsValid() {
		return
	}
	rv := reflect.Indirect(st.ReflectValue)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			utcStruct(reflect.Indirect(rv.Index(i)))
		}
	case reflect.Struct:
		utcStruct(rv)
	}
}

func utcValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.UTC()
	case *time.Time:
		if t != nil {
			u := t.UTC()
			return &u
		}
	}
	return v
}

// utcStruct converts the time fields of a row in place (top level only:
// the entities keep their times there).
func utcStruct(rv reflect.Value) {
	if rv.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		if !f.CanSet() {
			continue
		}
		switch {
		case f.Type() == timeType:
			f.Set(reflect.ValueOf(f.Interface().(time.Time).UTC()))
		case f.Kind() == reflect.Pointer && f.Type().Elem() == timeType && !f.IsNil():
			u := f.Elem().Interface().(time.Time).UTC()
			f.Set(reflect.ValueOf(&u))
		case f.Kind() == reflect.Struct && rv.Type().Field(i).Anonymous:
			utcStruct(f) // embedded structs (e.g. a row with a time inside)
		}
	}
}
