package models

import "strings"

// The texts of the demo petitions, written for PAKN's demo: situations a
// province's agencies answer every month, with the answer a unit would
// give. Places come from the demo organisation's districts (demoGeography);
// {ten} is the petitioner's name (redaction takes it out of the public
// version), {xa} a commune or ward, {huyen} the
// district, {duong} a road and {ap} a hamlet of it. None of these texts is
// taken from any corpus.

// demoScenario is one situation: the petition and its answer.
type demoScenario struct {
	Category, Kind         string
	Title, Content, Answer string
	// Info is what the unit asks for when it needs more; Reply is the
	// citizen's reply ("" for the general ones).
	Info, Reply string
	Procedure   string // an administrative procedure the petition names
	Org         string // sent by an organisation of this name
	NoArea      bool   // a province-wide matter
}

// render fills a text's places.
func (sc *demoScenario) render(text string, p demoPlace) string {
	return strings.NewReplacer(
		"{xa}", p.Xa, "{huyen}", lowerFirst(p.Huyen), "{duong}", p.Duong, "{ap}", p.Ap,
	).Replace(text)
}

// answerText is the unit's answer for the place.
func (sc *demoScenario) answerText(p demoPlace) string {
	return demoAnswerOpening + "\n\n" + sc.render(sc.Answer, p)
}

func (sc *demoScenario) infoRequest() string {
	if sc.Info != "" {
		return sc.Info
	}
	return "Để có cơ sở xem xét, đề nghị công dân bổ sung thông tin cụ thể về vị trí, thời gian xảy ra sự việc và hình ảnh (nếu có)."
}

func (sc *demoScenario) infoReply() string {
	if sc.Reply != "" {
		return sc.Reply
	}
	return "Tôi xin bổ sung: sự việc xảy ra thường xuyên trong tháng này, chủ yếu vào buổi sáng. Tôi gửi kèm mô tả vị trí cụ thể như đã nêu trong phản ánh."
}

func lowerFirst(s string) string {
	for i, r := range s {
		return strings.ToLower(string(r)) + s[i+len(string(r)):]
	}
	return s
}

const demoAnswerOpening = "Cơ quan đã tiếp nhận phản ánh, kiến nghị của công dân và trả lời như sau:"

const demoAnswerClosing = "Trường hợp còn vướng mắc, công dân có thể liên hệ bộ phận một cửa của đơn vị trong giờ hành chính để được hướng dẫn thêm."

// demoGeo is a district's communes and roads.
type demoGeo struct{ communes, roads []string }

// demoGeography lists a few communes and roads of each demo district.
func demoGeography(code string) demoGeo {
	switch code {
	case "TAN-AN":
		return demoGeo{[]string{"Phường 1", "Phường 3", "Phường 6", "Phường Tân Khánh", "xã Hướng Thọ Phú", "xã Bình Tâm", "xã Lợi Bình Nhơn"},
			[]string{"đường Hùng Vương", "đường Nguyễn Huệ", "đường Trương Định", "Quốc lộ 62", "đường Châu Thị Kim"}}
	case "KIEN-TUONG":
		return demoGeo{[]string{"Phường 1", "Phường 2", "Phường 3", "xã Bình Hiệp", "xã Tuyên Thạnh", "xã Thạnh Trị"},
			[]string{"Quốc lộ 62", "đường tỉnh 831", "đường 30 Tháng 4"}}
	case "BEN-LUC":
		return demoGeo{[]string{"thị trấn Bến Lức", "xã Mỹ Yên", "xã Thạnh Đức", "xã Lương Hòa", "xã Nhựt Chánh", "xã Phước Lợi", "xã Thanh Phú", "xã An Thạnh"},
			[]string{"Quốc lộ 1", "đường tỉnh 830", "đường tỉnh 816", "Quốc lộ N2", "đường Nguyễn Hữu Thọ"}}
	case "CAN-DUOC":
		return demoGeo{[]string{"thị trấn Cần Đước", "xã Long Trạch", "xã Phước Đông", "xã Tân Lân", "xã Long Hựu Đông"},
			[]string{"đường tỉnh 826", "đường tỉnh 835", "Quốc lộ 50"}}
	case "CAN-GIUOC":
		return demoGeo{[]string{"thị trấn Cần Giuộc", "xã Phước Lý", "xã Long Hậu", "xã Tân Kim", "xã Trường Bình", "xã Phước Lại"},
			[]string{"Quốc lộ 50", "đường tỉnh 835", "đường tỉnh 830"}}
	case "CHAU-THANH":
		return demoGeo{[]string{"thị trấn Tầm Vu", "xã Thanh Phú Long", "xã Dương Xuân Hội", "xã An Lục Long"},
			[]string{"đường tỉnh 827", "đường tỉnh 833"}}
	case "DUC-HOA":
		return demoGeo{[]string{"thị trấn Hậu Nghĩa", "thị trấn Đức Hòa", "xã Đức Hòa Hạ", "xã Hựu Thạnh", "xã Mỹ Hạnh Nam", "xã Hòa Khánh Đông"},
			[]string{"đường tỉnh 824", "đường tỉnh 825", "đường tỉnh 822"}}
	case "DUC-HUE":
		return demoGeo{[]string{"thị trấn Đông Thành", "xã Mỹ Thạnh Đông", "xã Bình Hòa Nam", "xã Mỹ Quý Tây"},
			[]string{"đường tỉnh 838", "đường tỉnh 839"}}
	case "MOC-HOA":
		return demoGeo{[]string{"xã Bình Phong Thạnh", "xã Tân Thành", "xã Bình Hòa Tây", "xã Tân Lập"},
			[]string{"Quốc lộ 62", "đường tỉnh 817"}}
	case "TAN-HUNG":
		return demoGeo{[]string{"thị trấn Tân Hưng", "xã Vĩnh Thạnh", "xã Hưng Điền", "xã Vĩnh Lợi"},
			[]string{"đường tỉnh 831", "đường tỉnh 819"}}
	case "TAN-THANH":
		return demoGeo{[]string{"thị trấn Tân Thạnh", "xã Hậu Thạnh Đông", "xã Tân Bình", "xã Nhơn Ninh"},
			[]string{"Quốc lộ 62", "đường tỉnh 829"}}
	case "TAN-TRU":
		return demoGeo{[]string{"thị trấn Tân Trụ", "xã Bình Lãng", "xã Nhựt Ninh", "xã Đức Tân"},
			[]string{"đường tỉnh 833", "đường tỉnh 832"}}
	case "THANH-HOA":
		return demoGeo{[]string{"thị trấn Thạnh Hóa", "xã Thạnh Phước", "xã Tân Đông", "xã Thủy Đông"},
			[]string{"Quốc lộ N2", "đường tỉnh 817"}}
	case "THU-THUA":
		return demoGeo{[]string{"thị trấn Thủ Thừa", "xã Mỹ Phú", "xã Nhị Thành", "xã Bình Thạnh"},
			[]string{"đường tỉnh 818", "Quốc lộ N2", "đường tỉnh 834"}}
	case "VINH-HUNG":
		return demoGeo{[]string{"thị trấn Vĩnh Hưng", "xã Tuyên Bình", "xã Khánh Hưng", "xã Thái Trị"},
			[]string{"đường tỉnh 831", "đường tỉnh 831C"}}
	}
	return demoGeo{[]string{"thị trấn"}, []string{"Quốc lộ 1"}}
}

// demoHamlets are hamlet and quarter names common in the Mekong delta.
var demoHamlets = []string{"ấp 1", "ấp 2", "ấp 3", "ấp 4", "ấp Bình Hòa", "ấp Chợ", "ấp Mới", "ấp Tân Hòa", "ấp Long Thạnh", "ấp Phước Hưng", "khu phố 2", "khu phố 5"}

// Name parts of the demo petitioners (common Vietnamese names).
var (
	demoFamilyNames  = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Lâm", "Châu"}
	demoMaleMiddle   = []string{"Văn", "Minh", "Quốc", "Hữu", "Thanh", "Hoàng", "Công", "Đức"}
	demoFemaleMiddle = []string{"Thị", "Ngọc", "Thanh", "Kim", "Thu", "Mỹ", "Bích"}
	demoMaleGiven    = []string{"An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Tuấn", "Vinh", "Lộc", "Nghĩa"}
	demoFemaleGiven  = []string{"Hạnh", "Hoa", "Lan", "Linh", "Mai", "Ngân", "Nhung", "Phương", "Tâm", "Thảo", "Trang", "Vy", "Yến", "Diễm", "Hằng", "Loan"}
)

// demoDuplicateOpening starts a co-petitioner's version of a situation.
var demoDuplicateOpening = []string{
	"Tôi cũng là người dân ở khu vực này và xin phản ánh cùng nội dung.",
	"Nhiều hộ dân chúng tôi đã có ý kiến nhưng chưa thấy chuyển biến, nay tôi phản ánh tiếp.",
	"Tôi đã thấy có người phản ánh việc này, xin được gửi thêm ý kiến của gia đình tôi.",
}

var demoRejectReasons = []string{
	"Nội dung đơn không rõ sự việc, địa điểm và đối tượng bị phản ánh; không đủ cơ sở để xem xét. Công dân có thể gửi lại phản ánh với thông tin cụ thể hơn.",
	"Nội dung này đã được cơ quan có thẩm quyền trả lời bằng văn bản và không có tình tiết mới; không xem xét lại theo quy định.",
	"Nội dung là tranh chấp dân sự giữa các cá nhân, thuộc thẩm quyền giải quyết của Tòa án nhân dân; đề nghị công dân liên hệ Tòa án để được hướng dẫn.",
	"Vụ việc đang được Tòa án nhân dân thụ lý giải quyết, cơ quan hành chính không xem xét song song theo quy định.",
	"Nội dung đơn là ý kiến chung, không kèm đề xuất hay sự việc cụ thể cần cơ quan xem xét, giải quyết.",
}

var demoExtendReasons = []string{
	"Vụ việc cần kiểm tra thực địa và lấy ý kiến của Ủy ban nhân dân cấp xã; cần thêm thời gian để trả lời đầy đủ.",
	"Cần phối hợp với các sở, ngành liên quan và chờ văn bản ý kiến của đơn vị phối hợp.",
	"Nội dung liên quan đến hồ sơ lưu trữ nhiều năm, cần thời gian tra cứu và đối chiếu.",
}

// demoNotes are officials' internal notes (citizens never see them).
var demoNotes = []string{
	"Đã gọi điện cho công dân xác nhận nội dung; hẹn kiểm tra thực tế trong tuần.",
	"Đã đề nghị Ủy ban nhân dân cấp xã báo cáo hiện trạng bằng văn bản.",
	"Vụ việc tương tự đã xử lý năm ngoái; tham khảo hồ sơ cũ khi dự thảo trả lời.",
	"Chờ ý kiến phối hợp của phòng chuyên môn trước khi dự thảo.",
	"Đã kiểm tra thực địa, chụp ảnh hiện trạng lưu hồ sơ.",
}

var demoReturnReasons = []string{
	"Dự thảo chưa nêu căn cứ pháp lý; đề nghị bổ sung và nói rõ thời hạn xử lý.",
	"Đề nghị viết lại phần trả lời ngắn gọn, dễ hiểu hơn cho người dân.",
	"Cần bổ sung kết quả kiểm tra thực tế trước khi trả lời công dân.",
}

// demoRatingComments are citizens' remarks by score.
var demoRatingComments = map[int][]string{
	5: {"Trả lời nhanh, rõ ràng. Cảm ơn cán bộ.", "Vấn đề đã được xử lý dứt điểm, gia đình tôi rất hài lòng.", "Cán bộ gọi điện hướng dẫn tận tình."},
	4: {"Đã được giải quyết, tuy thời gian hơi lâu.", "Câu trả lời đầy đủ, mong tiếp tục theo dõi."},
	3: {"Có trả lời nhưng chưa giải quyết triệt để.", "Tạm chấp nhận, đề nghị kiểm tra lại sau một thời gian."},
	2: {"Câu trả lời chung chung, chưa đi vào vấn đề.", "Thời gian chờ quá lâu."},
	1: {"Không đồng ý với nội dung trả lời.", "Sự việc vẫn tiếp diễn như cũ."},
}
