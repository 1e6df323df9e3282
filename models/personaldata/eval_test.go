package personaldata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The evaluation of BENCHMARKS.md: variants of every kind, written the
// ways people write them, inserted into real Vietnamese sentences (recall),
// and the shared FAQ corpus's answers, which hold no personal data (false
// alarms). Run: go test -run 'TestDetector' -v ./models/personaldata/

// sentences are petition-like Vietnamese sentences; the corpus's sentences
// are added when it is present.
var sentences = []string{
	"Đường liên ấp qua xã Mỹ Yên bị ngập nặng sau mỗi trận mưa, người dân đi lại rất khó khăn.",
	"Tôi đã nộp hồ sơ cấp giấy chứng nhận quyền sử dụng đất từ tháng 3 nhưng đến nay chưa nhận được kết quả.",
	"Đề nghị Ủy ban nhân dân huyện kiểm tra việc xả thải của cơ sở chăn nuôi gần nhà tôi.",
	"Đèn chiếu sáng trên đường Nguyễn Huệ, phường 1 đã hỏng hơn hai tuần.",
	"Xin hỏi thủ tục đăng ký tạm trú cho người thuê trọ cần những giấy tờ gì?",
	"Gia đình tôi chưa nhận được tiền hỗ trợ giải phóng mặt bằng dự án nâng cấp quốc lộ 1A.",
	"Cán bộ một cửa hẹn trả kết quả ngày 15/8 nhưng đến nay vẫn chưa có.",
	"Tiếng ồn từ quán karaoke kéo dài đến nửa đêm làm ảnh hưởng giấc ngủ của cả khu phố.",
	"Tôi đề nghị cơ quan chức năng xem xét lại mức phạt 1.500.000 đồng theo Nghị định 100/2019/NĐ-CP.",
	"Rác thải tập kết tại chợ Bến Lức không được thu gom đúng giờ, bốc mùi hôi thối.",
	"Học sinh phải đi qua cây cầu tạm đã xuống cấp, rất nguy hiểm vào mùa nước nổi.",
	"Tôi muốn hỏi việc chuyển mục đích sử dụng đất trồng lúa sang đất ở có được không.",
}

// Name parts for generated names.
var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương"}
	middleNames = []string{"Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Đức", "Thị Thu", "Hoàng", "Quốc"}
	givenNames  = []string{"Dung", "Tám", "Mai", "Hùng", "Lan", "Bảy", "Khang", "Hà", "Phúc", "Tuấn", "Út", "Hạnh", "Sơn", "Nga"}
	nameLeads   = []string{"ông", "bà", "Ông", "Bà", "anh", "chị", "cô", "chú", "vợ tôi là", "chồng tôi là", "hàng xóm",
		"Hàng xóm", "con tôi", "con tôi tên là", "ông tổ trưởng", "bà tổ trưởng", "trưởng ấp", "mẹ tôi là", "chủ nhà trọ là bà"}
)

type variantGen struct{ r *rand.Rand }

func (g variantGen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

func (g variantGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// groupAt splits d at sizes with sep.
func groupAt(d, sep string, sizes ...int) string {
	var parts []string
	for _, n := range sizes {
		if n >= len(d) {
			break
		}
		parts = append(parts, d[:n])
		d = d[n:]
	}
	return strings.Join(append(parts, d), sep)
}

func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return '０' + r - '0'
		}
		return r
	}, s)
}

// variant returns a lead-in ("SĐT") and a datum of kind k as people write it.
func (g variantGen) variant(k Kind) (lead, datum string) {
	sep := g.pick(" ", ".", "-", "/", "", " ")
	switch k {
	case Phone:
		lead = g.pick("SĐT", "số điện thoại", "liên hệ", "gọi", "ĐT:", "Zalo", "")
		d := "0" + g.pick("3", "5", "7", "8", "9") + g.digits(8)
		switch g.r.IntN(8) {
		case 0:
			return lead, groupAt(d, sep, 4, 3)
		case 1:
			return lead, groupAt(d, sep, 3, 3)
		case 2:
			return lead, groupAt(d, " ", 2, 2, 2, 2)
		case 3:
			return lead, strings.Join(strings.Split(d, ""), " ") // typed apart
		case 4:
			return lead, fullWidth(groupAt(d, sep, 4, 3))
		case 5:
			return lead, g.pick("+84 ", "+84", "(+84) ", "84", "+84 0") + groupAt(d[1:], sep, 3, 3)
		case 6:
			l := "02" + g.digits(9)
			return lead, g.pick("("+l[:4]+") "+groupAt(l[4:], sep, 4), groupAt(l, sep, 4, 3))
		default:
			return lead, d
		}
	case IDNumber:
		lead = g.pick("CCCD", "CCCD số", "căn cước", "CMND", "số định danh", "")
		if g.r.IntN(4) == 0 {
			d := g.pick("1", "2", "3") + g.digits(8)
			return lead, g.pick(d, groupAt(d, " ", 3, 3), groupAt(d, ".", 3, 3))
		}
		d := "0" + g.digits(11)
		switch g.r.IntN(5) {
		case 0:
			return lead, groupAt(d, g.pick(" ", "."), 3, 3, 3)
		case 1:
			return lead, groupAt(d, " ", 2, 2, 2, 2, 2)
		case 2:
			return lead, groupAt(d, " ", 4, 4)
		case 3:
			return lead, strings.ReplaceAll(d, "0", g.pick("O", "o", "0"))
		default:
			return lead, d
		}
	case Email:
		lead = g.pick("email", "mail:", "gửi về", "")
		user := g.pick("dung.do", "tuan", "lan.nguyen", "hung1980", "mai_tran", "a.b-c")
		host := g.pick("example.com", "gmail.com", "yahoo.com.vn", "longan.gov.vn")
		at := g.pick("@", "(at)", "[at]", " [at] ", " (at) ", " a còng ", "{at}", "＠", " @ ")
		if g.r.IntN(5) == 0 {
			host = strings.Replace(host, ".", g.pick("(dot)", "[dot]", " (dot) "), 1)
		}
		return lead, user + at + host
	case BankAccount:
		lead = g.pick("STK", "STK:", "số tài khoản", "tài khoản số", "số TK", "tài khoản")
		d := g.digits(8 + g.r.IntN(7))
		return lead, g.pick(d, groupAt(d, " ", 4, 4, 4), groupAt(d, ".", 3, 3, 3))
	case Plate:
		lead = g.pick("xe biển số", "biển kiểm soát", "BKS", "xe")
		p := fmt.Sprintf("%02d", 11+g.r.IntN(88))
		s := g.pick("A", "B", "C", "F", "LD", "X1", "H", "K2")
		tail := g.digits(5)
		return lead, g.pick(p+s+"-"+tail[:3]+"."+tail[3:], p+s+"-"+tail, p+"-"+s+" "+tail[:3]+"."+tail[3:], p+s+" "+tail, p+s+"-"+tail[:4])
	case Passport:
		lead = g.pick("hộ chiếu", "hộ chiếu số", "passport")
		return lead, g.pick("B", "C", "N", "P") + g.digits(7)
	case TaxCode:
		lead = g.pick("mã số thuế", "MST", "MST:", "mã số thuế cá nhân")
		d := g.pick("0", "8", "3") + g.digits(9)
		return lead, g.pick(d, d+"-"+g.digits(3))
	default:
		lead = g.pick(nameLeads...)
		name := g.pick(familyNames...) + " " + g.pick(middleNames...) + " " + g.pick(givenNames...)
		return lead, name
	}
}

// covered reports whether findings cover text[start:end] entirely.
func covered(fs []Finding, start, end int) bool {
	at := start
	for _, f := range fs {
		if f.Start <= at && f.End > at {
			at = f.End
		}
	}
	return at >= end
}

// insert puts "lead datum" at a word boundary of sentence and returns the
// text with the datum's span.
func (g variantGen) insert(sentence, lead, datum string) (string, int, int) {
	words := strings.Fields(sentence)
	k := g.r.IntN(len(words) + 1)
	before := strings.Join(words[:k], " ")
	if before != "" {
		before += " "
	}
	if lead != "" {
		before += lead + " "
	}
	after := g.pick(" ", ", ", ". ", "; ", ") ")
	rest := strings.Join(words[k:], " ")
	text := before + datum + after + rest
	return text, len(before), len(before) + len(datum)
}

// evalSentences are the built-in sentences and, when the corpus is there,
// its questions and answers split into sentences.
func evalSentences(t testing.TB) []string {
	out := append([]string(nil), sentences...)
	if p := corpusPath(); p != "" {
		for _, e := range readCorpus(t, p) {
			for _, s := range strings.Split(e.Question+" "+e.Answer, ". ") {
				if len(strings.Fields(s)) >= 6 {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

type evalResult struct {
	total, found map[Kind]int
	misses       []string
}

func evaluate(t testing.TB, perKind int) evalResult {
	g := variantGen{rand.New(rand.NewPCG(11, 2026))}
	sents := evalSentences(t)
	res := evalResult{total: map[Kind]int{}, found: map[Kind]int{}}
	for _, k := range Kinds {
		for range perKind {
			lead, datum := g.variant(k)
			text, start, end := g.insert(sents[g.r.IntN(len(sents))], lead, datum)
			text = Normalise(text)
			res.total[k]++
			if covered(Find(text), start, end) {
				res.found[k]++
			} else if len(res.misses) < 60 && k != IDNumber {
				res.misses = append(res.misses, fmt.Sprintf("%s: %q in %q", k, datum, text))
			}
		}
	}
	return res
}

func TestDetectorRecall(t *testing.T) {
	res := evaluate(t, 500)
	total, found := 0, 0
	for _, k := range Kinds {
		total += res.total[k]
		found += res.found[k]
		t.Logf("%-12s recall %.4f (%d/%d)", k, float64(res.found[k])/float64(res.total[k]), res.found[k], res.total[k])
	}
	recall := float64(found) / float64(total)
	t.Logf("all          recall %.4f (%d/%d)", recall, found, total)
	for _, m := range res.misses {
		t.Log("missed", m)
	}
	if recall < 0.99 {
		t.Fatalf("recall %.4f < 0.99", recall)
	}
}

type corpusEntry struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// corpusPath finds shared/data/faq-vi.jsonl beside the repository (it is
// never copied into it), or "".
func corpusPath() string {
	for _, up := range []string{"../..", "../../..", "../../../.."} {
		p := filepath.Join(up, "shared", "data", "faq-vi.jsonl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func readCorpus(t testing.TB, path string) []corpusEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e corpusEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDetectorFalseAlarms(t *testing.T) {
	p := corpusPath()
	if p == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("shared/data/faq-vi.jsonl not found beside the repository (required when CI=true)")
		}
		t.Skip("shared/data/faq-vi.jsonl not found beside the repository")
	}
	entries := readCorpus(t, p)
	flagged := 0
	for _, e := range entries {
		if fs := Find(Normalise(e.Answer)); len(fs) > 0 {
			flagged++
			t.Logf("%s: %v", e.ID, fs)
		}
	}
	// Questions are people's own words: a finding there is not a false
	// alarm as such (faq-043 names "hộ ông Trần Văn Hùng"); logged only.
	questions := 0
	for _, e := range entries {
		if fs := Find(Normalise(e.Question)); len(fs) > 0 {
			questions++
			t.Logf("question %s: %v", e.ID, fs)
		}
	}
	t.Logf("questions flagged %d/%d", questions, len(entries))
	rate := float64(flagged) / float64(len(entries))
	t.Logf("answers flagged %d/%d = %.4f", flagged, len(entries), rate)
	if rate > 0.01 {
		t.Fatalf("false-alarm rate %.4f > 0.01", rate)
	}
}

func BenchmarkFindCorpus(b *testing.B) {
	p := corpusPath()
	if p == "" {
		b.Skip("shared/data/faq-vi.jsonl not found")
	}
	var text strings.Builder
	for _, e := range readCorpus(b, p) {
		text.WriteString(Normalise(e.Question + "\n" + e.Answer + "\n"))
	}
	s := text.String()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Find(s)
	}
}

func BenchmarkFindGenerated(b *testing.B) {
	g := variantGen{rand.New(rand.NewPCG(11, 2026))}
	var texts []string
	n := 0
	for range 100 {
		for _, k := range Kinds {
			lead, datum := g.variant(k)
			text, _, _ := g.insert(sentences[g.r.IntN(len(sentences))], lead, datum)
			texts = append(texts, Normalise(text))
			n += len(text)
		}
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, t := range texts {
			Find(t)
		}
	}
}
