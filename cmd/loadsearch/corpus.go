package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"

	"pakn/models"
)

type gormDB = gorm.DB

// Phrases recombined into synthetic questions and answers (written for
// this tool; the shared evaluation corpus is not used).
var (
	subjects = []string{"Tôi", "Gia đình tôi", "Vợ chồng tôi", "Con tôi", "Cha tôi", "Mẹ tôi", "Công ty chúng tôi", "Hộ kinh doanh nhà tôi", "Ông nội tôi", "Bà con trong ấp"}
	actions  = []string{"muốn làm thủ tục", "cần xin cấp lại", "đã nộp hồ sơ", "muốn đăng ký", "bị từ chối giải quyết", "chưa nhận được kết quả", "muốn hỏi về", "cần điều chỉnh", "muốn chuyển đổi", "phản ánh về"}
	objects  = []string{"giấy khai sinh", "thẻ căn cước", "sổ đỏ", "giấy phép xây dựng", "đăng ký tạm trú", "đăng ký thường trú", "giấy phép lái xe", "bảo hiểm y tế", "bảo hiểm xã hội một lần", "trợ cấp thất nghiệp", "mã số thuế", "hộ kinh doanh", "giấy chứng nhận kết hôn", "phiếu lý lịch tư pháp", "chuyển mục đích sử dụng đất", "tách thửa đất", "thu gom rác thải", "tiếng ồn công trình", "đường ngập nước", "học phí", "chuyển trường cho con", "tiêm chủng", "an toàn thực phẩm", "kiểm dịch vật nuôi", "chứng thực bản sao", "đèn chiếu sáng công cộng", "cấp nước sinh hoạt", "trợ cấp người cao tuổi"}
	places   = []string{"xã Mỹ Yên", "huyện Bến Lức", "thành phố Tân An", "huyện Đức Hòa", "thị trấn Cần Giuộc", "huyện Châu Thành", "xã Long Hậu", "phường 4", "thị trấn Hậu Nghĩa", "huyện Thủ Thừa", "xã Tân Bửu", "huyện Cần Đước"}
	tails    = []string{"thì phải làm sao?", "hồ sơ gồm những gì?", "nộp ở đâu và mất bao lâu?", "có mất phí không?", "có bị phạt không?", "cơ quan nào giải quyết?", "thời hạn là bao lâu?", "có làm trực tuyến được không?"}
	answers  = []string{"Theo quy định hiện hành, hồ sơ nộp tại Bộ phận tiếp nhận và trả kết quả của Ủy ban nhân dân cấp xã.", "Thời hạn giải quyết là 05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.", "Công dân có thể nộp trực tuyến qua Cổng dịch vụ công quốc gia hoặc ứng dụng VNeID.", "Lệ phí được miễn đối với hộ nghèo và người có công với cách mạng.", "Trường hợp hồ sơ chưa đầy đủ, cán bộ tiếp nhận hướng dẫn bổ sung một lần bằng văn bản.", "Cơ quan có thẩm quyền kiểm tra thực tế và trả lời trong thời hạn luật định.", "Đề nghị ông bà liên hệ Văn phòng đăng ký đất đai để được hướng dẫn cụ thể.", "Việc xử phạt vi phạm hành chính thực hiện theo nghị định của Chính phủ.", "Ủy ban nhân dân huyện đã chỉ đạo phòng chuyên môn kiểm tra và khắc phục trong tháng."}
	units    = [][3]string{{"STNMT", "Sở Tài nguyên và Môi trường", "province"}, {"SXD", "Sở Xây dựng", "province"}, {"SGTVT", "Sở Giao thông vận tải", "province"}, {"SYT", "Sở Y tế", "province"}, {"SGDDT", "Sở Giáo dục và Đào tạo", "province"}, {"CA", "Công an tỉnh", "province"}, {"BEN-LUC", "Ủy ban nhân dân huyện Bến Lức", "district"}, {"DUC-HOA", "Ủy ban nhân dân huyện Đức Hòa", "district"}, {"TAN-AN", "Ủy ban nhân dân thành phố Tân An", "district"}, {"CAN-GIUOC", "Ủy ban nhân dân huyện Cần Giuộc", "district"}}
	cats     = [][2]string{{"cu-tru", "Cư trú"}, {"ho-tich", "Hộ tịch"}, {"can-cuoc", "Căn cước"}, {"dat-dai", "Đất đai"}, {"xay-dung", "Xây dựng"}, {"moi-truong", "Môi trường"}, {"giao-thong", "Giao thông"}, {"y-te", "Y tế"}, {"giao-duc", "Giáo dục"}, {"lao-dong", "Lao động - Việc làm"}, {"bhxh", "Bảo hiểm xã hội"}, {"thue", "Thuế"}, {"kinh-doanh", "Đăng ký kinh doanh"}}
)

// queries are what people type: with and without diacritics, abbreviated,
// misspelt, bare keywords.
var queries = []string{
	"thủ tục đăng ký thường trú", "thu tuc dang ky thuong tru", "dang ky tam tru o dau", "cấp lại thẻ căn cước",
	"cap lai can cuoc bi mat", "làm giấy khai sinh cho con", "giay khai sinh", "so do", "sổ đỏ tách thửa",
	"tach thua dat nong nghiep", "chuyen muc dich su dung dat", "giấy phép xây dựng nhà ở", "gpxd",
	"bằng lái xe hết hạn", "doi bang lai xe", "gplx", "bảo hiểm y tế", "bhyt", "rut bhxh mot lan",
	"trợ cấp thất nghiệp", "tro cap that nghiep bao lau", "mã số thuế cá nhân", "mst", "dang ky ho kinh doanh",
	"giấy chứng nhận kết hôn", "phieu ly lich tu phap", "chung thuc ban sao", "rác thải", "thu gom rac",
	"tiếng ồn công trình ban đêm", "duong ngap nuoc", "học phí", "chuyen truong cho con", "tiem chung",
	"an toan thuc pham", "kiem dich", "den chieu sang cong cong", "cap nuoc sinh hoat", "tro cap nguoi cao tuoi",
	"ubnd huyen ben luc", "nop truc tuyen vneid", "le phi", "thoi han giai quyet", "thủ tuc dăng ky kêt hôn",
	"tạm trú tạm vắng", "giay phep lai xe b2", "ho so gom nhung gi", "co mat phi khong",
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func synth(r *rand.Rand, n int, base time.Time) models.PublishedItem {
	obj := pick(r, objects)
	q := fmt.Sprintf("%s ở %s %s %s, %s", pick(r, subjects), pick(r, places), pick(r, actions), obj, pick(r, tails))
	var a strings.Builder
	for k := 0; k < 3+r.IntN(4); k++ {
		a.WriteString(pick(r, answers))
		a.WriteString(" Về ")
		a.WriteString(pick(r, objects))
		a.WriteString(": ")
	}
	typ, title := models.ItemFAQ, models.FirstWords(q, 20)
	if n%3 == 0 {
		typ, title = models.ItemAnswer, "Về "+obj+" tại "+pick(r, places)
	}
	u, c := pick(r, units), pick(r, cats)
	at := base.Add(-time.Duration(n) * time.Minute)
	return models.PublishedItem{ID: fmt.Sprintf("%s-%d", typ, n+1), Type: typ, Ref: fmt.Sprintf("load-%d", n+1), Version: 1,
		Title: title, Question: q, Answer: a.String(), CategoryCode: c[0], CategoryName: c[1],
		UnitCode: u[0], UnitName: u[1], Level: u[2], AnsweredAt: &at, PublishedAt: at, UpdatedAt: at}
}
