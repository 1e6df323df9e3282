package models

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"pakn/models/workdays"
)

// TestSubmitStatementWritesWhatTheTransactionWrites holds the batch
// statement (sql/submit.sql) to what submitTx writes through GORM, column by
// column, for the petition, its audit events and its receipt notice. The
// columns come from the GORM schema and from the tables themselves, so a
// column added to Petition, Event or OutboxMessage is compared without
// touching this test:
//
//   - a rich submission is written both ways, and every column of every row
//     must be equal (the code, its secret hash and the ids, which differ by
//     nature, are checked for their form and then set aside);
//   - then each Petition and Event column a submission leaves at its zero is
//     given a value, and the submission written both ways again: either
//     newIntakeItem refuses it (the statement writes that column as a
//     constant, see unwrittenPetitionColumn) or both ways must write the
//     same rows. A column the statement forgets fails here.
func TestSubmitStatementWritesWhatTheTransactionWrites(t *testing.T) {
	st := pgStore(t)
	ctx := context.Background()
	ref, err := st.intakeReference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := st.now()
	day := now.In(workdays.VietnamLocation()).Format("060102")
	var clerk int64
	if err := st.DB.Raw(`SELECT min(id) FROM users`).Scan(&clerk).Error; err != nil || clerk == 0 {
		t.Fatalf("no user to enter the petition: %v", err)
	}
	lat, long := 10.6, 106.4
	in := intakeInput("so sánh hai đường ghi, cột theo cột")
	in.Lat, in.Long, in.EnteredByID, in.ActorName = &lat, &long, &clerk, "Cán bộ tiếp nhận"
	in.Channel, in.Language, in.PublishConsent, in.ConfidentialIdentity = ChannelPostOffice, "en", true, true
	in.Petitioner.Organization = "Hợp tác xã"
	in.DossierCode, in.ProcedureCode = "000.00.17.H42-270203-0001", "1.001612"
	in.Address = "Cầu Ván, xã Mỹ Yên"
	in.normalise()
	plan, err := st.planSubmission(ctx, &in, in.validate(), ref, now, now)
	if err != nil {
		t.Fatal(err)
	}

	petitions, events := mustSchema(t, st, &Petition{}), mustSchema(t, st, &Event{})
	fks := foreignKeyTargets(t, st, "petitions", "events")

	// written is one submission's rows, each column normalised.
	type written struct{ petitions, events, outbox []map[string]any }
	read := func(t *testing.T, sub *plannedSubmission) written {
		t.Helper()
		p := sub.Petition
		if !pgCodeRe.MatchString(p.Code) || !strings.Contains(p.Code, "-"+day+"-") {
			t.Fatalf("code %q", p.Code)
		}
		var w written
		for _, q := range []struct {
			table, where string
			into         *[]map[string]any
		}{
			{"petitions", "id = ?", &w.petitions},
			{"events", "petition_id = ?", &w.events},
			{"outbox_messages", "petition_id = ?", &w.outbox},
		} {
			if err := st.DB.Table(q.table).Where(q.where, p.ID).Order("id").Find(q.into).Error; err != nil {
				t.Fatal(err)
			}
			for _, row := range *q.into {
				if q.table == "petitions" {
					if row["secret_hash"] != hashSecret(p.Code, sub.Secret) {
						t.Errorf("secret_hash %v is not the hash of %s and the secret", row["secret_hash"], p.Code)
					}
					row["secret_hash"] = "HASH"
				} else if pid, _ := row["petition_id"].(int64); pid != p.ID {
					t.Errorf("%s: petition_id %v, want %d", q.table, row["petition_id"], p.ID)
				}
				for c, v := range row {
					row[c] = normalised(v, p.Code)
				}
				delete(row, "id")
				delete(row, "petition_id")
			}
		}
		return w
	}
	// both writes a copy of sub with the statement and another with the
	// transaction; refused is newIntakeItem's error.
	both := func(t *testing.T, sub *plannedSubmission) (stmt, tx written, refused error) {
		t.Helper()
		a, b := cloneSubmission(sub), cloneSubmission(sub)
		it, err := newIntakeItem(ctx, ref.stamp, day, a)
		if err != nil {
			return written{}, written{}, err
		}
		st.writeSubmissions(ctx, []*intakeItem{it})
		if err := <-it.done; err != nil {
			t.Fatalf("statement: %v", err)
		}
		if err := st.submitTx(ctx, b, SubmitInput{}, day, now); err != nil {
			t.Fatalf("transaction: %v", err)
		}
		return read(t, a), read(t, b), nil
	}
	same := func(t *testing.T, stmt, tx written) {
		t.Helper()
		for _, c := range []struct {
			table  string
			st, tx []map[string]any
		}{{"petitions", stmt.petitions, tx.petitions}, {"events", stmt.events, tx.events}, {"outbox_messages", stmt.outbox, tx.outbox}} {
			if len(c.st) != len(c.tx) || len(c.st) == 0 {
				t.Errorf("%s: the statement wrote %d rows, the transaction %d", c.table, len(c.st), len(c.tx))
				continue
			}
			for i := range c.st {
				for _, col := range sortedKeys(c.st[i], c.tx[i]) {
					if !reflect.DeepEqual(c.st[i][col], c.tx[i][col]) {
						t.Errorf("%s row %d, column %s: the statement wrote %#v, the transaction %#v", c.table, i+1, col, c.st[i][col], c.tx[i][col])
					}
				}
			}
		}
	}

	t.Run("every column of a rich submission", func(t *testing.T) {
		stmt, tx, err := both(t, plan)
		if err != nil {
			t.Fatalf("the statement refuses a planned submission: %v", err)
		}
		same(t, stmt, tx)
		// Every schema column is in the rows compared.
		for table, s := range map[string]*schema.Schema{"petitions": petitions, "events": events, "outbox_messages": mustSchema(t, st, &OutboxMessage{})} {
			rows := map[string][]map[string]any{"petitions": stmt.petitions, "events": stmt.events, "outbox_messages": stmt.outbox}[table]
			for _, name := range s.DBNames {
				if _, ok := rows[0][name]; !ok && name != "id" && name != "petition_id" {
					t.Errorf("%s.%s was not read back", table, name)
				}
			}
		}
	})

	for _, f := range petitions.Fields {
		if f.DBName == "" || f.DBName == "id" || f.DBName == "code" || f.DBName == "secret_hash" {
			continue
		}
		if !fieldOf(&plan.Petition, f).IsZero() {
			continue // compared above
		}
		t.Run("petitions."+f.DBName, func(t *testing.T) {
			sub := cloneSubmission(plan)
			setDistinct(t, fieldOf(&sub.Petition, f), f.DBName, fks["petitions."+f.DBName], sub.Petition.CreatedAt)
			stmt, tx, err := both(t, sub)
			if err != nil {
				t.Logf("refused by newIntakeItem: %v", err)
				return
			}
			same(t, stmt, tx)
		})
	}
	for _, f := range events.Fields {
		if f.DBName == "" || f.DBName == "id" || f.DBName == "petition_id" {
			continue
		}
		t.Run("events."+f.DBName, func(t *testing.T) {
			sub := cloneSubmission(plan)
			set := 0
			for i := range sub.events {
				if v := fieldOf(&sub.events[i], f); v.IsZero() {
					setDistinct(t, v, f.DBName, fks["events."+f.DBName], sub.events[i].At)
					set++
				}
			}
			if set == 0 {
				t.Skip("set in every planned event: compared above")
			}
			stmt, tx, err := both(t, sub)
			if err != nil {
				t.Logf("refused by newIntakeItem: %v", err)
				return
			}
			same(t, stmt, tx)
		})
	}
}

func mustSchema(t *testing.T, st *Store, model any) *schema.Schema {
	t.Helper()
	s, err := schema.Parse(model, &sync.Map{}, st.DB.NamingStrategy)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// foreignKeyTargets maps "table.column" to the lowest id of the table the
// column refers to, for the tables given.
func foreignKeyTargets(t *testing.T, st *Store, tables ...string) map[string]int64 {
	t.Helper()
	var fks []struct{ TableName, ColumnName, Target string }
	err := st.DB.Raw(`SELECT tc.table_name, kcu.column_name, ccu.table_name AS target
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name IN ?`, tables).Scan(&fks).Error
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, fk := range fks {
		var id int64
		if err := st.DB.Table(fk.Target).Select("min(id)").Scan(&id).Error; err != nil || id == 0 {
			t.Fatalf("no row in %s for %s.%s: %v", fk.Target, fk.TableName, fk.ColumnName, err)
		}
		out[fk.TableName+"."+fk.ColumnName] = id
	}
	return out
}

// cloneSubmission copies a planned submission so that writing it leaves the
// original unplanned; its events point at the copy's petition.
func cloneSubmission(sub *plannedSubmission) *plannedSubmission {
	c := *sub
	c.events = slices.Clone(sub.events)
	for i := range c.events {
		c.events[i].PetitionID = &c.Petition.ID
	}
	return &c
}

func fieldOf(model any, f *schema.Field) reflect.Value {
	return reflect.ValueOf(model).Elem().FieldByIndex(f.StructField.Index)
}

// setDistinct gives a zero field a value that no default or constant
// matches: an id that exists for a foreign key, a time an hour after base.
func setDistinct(t *testing.T, v reflect.Value, name string, fk int64, base time.Time) {
	t.Helper()
	if v.Kind() == reflect.Pointer {
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	switch {
	case v.Type() == reflect.TypeOf(time.Time{}):
		v.Set(reflect.ValueOf(base.Add(time.Hour).Truncate(time.Second)))
	case v.Kind() == reflect.String:
		v.SetString("x-" + name[:min(len(name), 3)])
	case v.Kind() == reflect.Bool:
		v.SetBool(true)
	case v.CanInt():
		if fk != 0 {
			v.SetInt(fk)
		} else {
			v.SetInt(3)
		}
	case v.CanFloat():
		v.SetFloat(1.25)
	default:
		t.Fatalf("%s: no distinct value for a %s; teach setDistinct", name, v.Type())
	}
}

// normalised makes a column's value comparable across rows: times in UTC,
// and the tracking code, which differs between the two rows, as CODE.
func normalised(v any, code string) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case *time.Time:
		if x == nil {
			return nil
		}
		return x.UTC()
	case string:
		return strings.ReplaceAll(x, code, "CODE")
	case []byte:
		return strings.ReplaceAll(string(x), code, "CODE")
	}
	return v
}

func sortedKeys(maps ...map[string]any) []string {
	seen := map[string]bool{}
	for _, m := range maps {
		for k := range m {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
