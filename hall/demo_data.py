"""The demo hall's catalogue: departments named as in the seeds, windows of every kind, and about
60 matters with realistic materials, limits and fees (a good share of them instant matters, 即办件)."""

CITY = {
    "code": "city",
    "name": "江海市政务服务中心",
    "kind": "city",
    "address": "江海市崇川区世纪大道6号",
    "service_phone": "0513-12345",
    "lunch_service": True,
    "weekend_service": True,
}
BRANCH = {
    "code": "haimen",
    "name": "海门区政务服务分中心",
    "kind": "branch",
    "address": "海门区北京中路1号",
    "service_phone": "0513-82123456",
    "lunch_service": False,
    "weekend_service": False,
}

# (code, name, short name)
DEPARTMENTS = [
    ("amr", "市场监督管理局", "市场监管"),
    ("tax", "税务局", "税务"),
    ("psb", "公安局", "公安"),
    ("hrss", "人力资源和社会保障局", "人社"),
    ("realestate", "不动产登记中心", "不动产"),
    ("housing", "住房和城乡建设局", "住建"),
    ("planning", "自然资源和规划局", "资规"),
    ("ndrc", "发展和改革委员会", "发改"),
    ("health", "卫生健康委员会", "卫健"),
    ("civil", "民政局", "民政"),
    ("transport", "交通运输局", "交通"),
    ("ecology", "生态环境局", "生态环境"),
    ("medical", "医疗保障局", "医保"),
    ("fund", "住房公积金管理中心", "公积金"),
    ("fire", "消防救援支队", "消防"),
    ("airdefence", "人民防空办公室", "人防"),
    ("education", "教育局", "教育"),
    ("culture", "文化广电和旅游局", "文广旅"),
    ("commerce", "商务局", "商务"),
    ("urban", "城市管理局", "城管"),
]

# (number, name, kind, department code or None, location)
CITY_WINDOWS = [
    ("1", "综合受理一号窗", "integrated", None, "一楼A区"),
    ("2", "综合受理二号窗", "integrated", None, "一楼A区"),
    ("3", "综合受理三号窗", "integrated", None, "一楼A区"),
    ("4", "综合受理四号窗", "integrated", None, "一楼A区"),
    ("5", "企业开办综合窗", "integrated", None, "一楼B区"),
    ("6", "工程建设项目综合窗", "integrated", None, "二楼C区"),
    ("7", "绿色通道（老弱病残孕、军人）", "priority", None, "一楼服务台旁"),
    ("8", "潮汐窗口一", "tidal", None, "一楼A区"),
    ("9", "潮汐窗口二", "tidal", None, "一楼B区"),
    ("10", "统一出件窗口", "pickup", None, "一楼出口"),
    ("11", "市场监管专窗", "dedicated", "amr", "一楼B区"),
    ("12", "市场监管专窗", "dedicated", "amr", "一楼B区"),
    ("13", "税务专窗", "dedicated", "tax", "一楼B区"),
    ("14", "税务专窗", "dedicated", "tax", "一楼B区"),
    ("15", "公安户政出入境专窗", "dedicated", "psb", "一楼D区"),
    ("16", "公安车管专窗", "dedicated", "psb", "一楼D区"),
    ("17", "社保专窗", "dedicated", "hrss", "二楼A区"),
    ("18", "不动产登记专窗", "dedicated", "realestate", "三楼A区"),
    ("19", "不动产登记专窗", "dedicated", "realestate", "三楼A区"),
    ("20", "住建专窗", "dedicated", "housing", "二楼C区"),
    ("21", "规划国土专窗", "dedicated", "planning", "二楼C区"),
    ("22", "医保专窗", "dedicated", "medical", "二楼A区"),
    ("23", "公积金专窗", "dedicated", "fund", "二楼B区"),
    ("24", "卫健专窗", "dedicated", "health", "二楼B区"),
    ("25", "民政专窗", "dedicated", "civil", "二楼B区"),
    ("26", "交通运输专窗", "dedicated", "transport", "二楼D区"),
]
BRANCH_WINDOWS = [
    ("1", "综合受理窗口", "integrated", None, "一楼"),
    ("2", "综合受理窗口", "integrated", None, "一楼"),
    ("3", "综合受理窗口", "integrated", None, "一楼"),
    ("4", "绿色通道", "priority", None, "一楼"),
    ("5", "潮汐窗口", "tidal", None, "一楼"),
    ("6", "出件窗口", "pickup", None, "一楼"),
]

# Materials: (name, form, copies, required, 容缺 allowed, notes)
ID = ("申请人身份证", "original_and_copy", 1, True, False, "核验原件，留存复印件")
LICENCE = ("营业执照", "original_and_copy", 1, True, False, "")
FORM = ("申请表", "original", 1, True, False, "可在大厅或网上下载填写")
LEASE = ("经营场所使用证明（产权证明或租赁合同）", "copy", 1, True, True, "容缺受理，5个工作日内补交")
PHOTO = ("近期一寸白底免冠照片", "original", 2, True, False, "")
AUTH = ("授权委托书及代理人身份证", "original", 1, False, False, "委托他人办理时提供")
HOUSEHOLD = ("户口簿", "original_and_copy", 1, True, False, "")

LICENCE_STAGES = [("受理", 20), ("审核", 40), ("审批", 30), ("办结", 10)]
SERVICE_STAGES = [("受理", 30), ("审核", 50), ("办结", 20)]
INSTANT_STAGES = [("受理并当场办结", 100)]

# (department, code, name, kind, statutory days, promised days, fee, fee basis,
#  online, appointment, mail, materials)
MATTERS = [
    ("amr", "SC-001", "有限责任公司设立登记", "licence", 15, 1, 0, "", True, True, True,
     [FORM, ("公司章程", "original", 1, True, False, "全体股东签署"), ("股东主体资格证明", "copy", 1, True, False, ""),
      ("法定代表人、董事、监事和经理的任职文件", "original", 1, True, False, ""), LEASE, AUTH]),
    ("amr", "SC-002", "个体工商户设立登记", "licence", 15, 0, 0, "", True, True, True,
     [FORM, ID, LEASE, PHOTO]),
    ("amr", "SC-003", "食品经营许可（新办）", "licence", 20, 5, 0, "", True, True, True,
     [FORM, LICENCE, ("食品安全管理制度", "original", 1, True, False, ""),
      ("经营场所平面布局图", "original", 1, True, True, "可容缺，现场核查前补齐"),
      ("食品安全管理人员健康证明", "copy", 1, True, False, "")]),
    ("amr", "SC-004", "公司变更登记", "licence", 15, 1, 0, "", True, True, True,
     [FORM, LICENCE, ("股东会决议", "original", 1, True, False, ""), ("章程修正案", "original", 1, True, False, "")]),
    ("amr", "SC-005", "营业执照遗失补领", "public_service", 5, 0, 0, "", True, False, True,
     [FORM, ("遗失公告或声明", "copy", 1, True, False, "")]),
    ("tax", "SW-001", "新办纳税人套餐（税务登记信息确认）", "public_service", 5, 0, 0, "", True, True, False,
     [LICENCE, ID, ("银行开户信息", "copy", 1, False, False, "已开户的提供")]),
    ("tax", "SW-002", "增值税专用发票领用", "public_service", 5, 0, 0, "", True, True, True,
     [("发票领用簿", "original", 1, True, False, ""), ("经办人身份证", "original", 1, True, False, "")]),
    ("tax", "SW-003", "个人所得税纳税记录开具", "convenience", 1, 0, 0, "", True, False, False, [ID]),
    ("tax", "SW-004", "房产交易契税申报", "public_service", 5, 0, 0, "", False, True, False,
     [ID, ("房屋买卖合同", "original_and_copy", 1, True, False, ""), ("购房发票", "copy", 1, True, False, "")]),
    ("psb", "GA-001", "居民身份证换领", "public_service", 60, 20, 20, "《居民身份证法》，工本费20元", False, True, True,
     [HOUSEHOLD, ("原居民身份证", "original", 1, True, False, "")]),
    ("psb", "GA-002", "普通护照签发", "licence", 15, 7, 120, "国家发改委、财政部价格文件，120元/本", True, True, True,
     [ID, PHOTO, ("国家工作人员备案审批表", "original", 1, False, False, "国家工作人员提供")]),
    ("psb", "GA-003", "户籍证明开具", "convenience", 1, 0, 0, "", True, False, False, [ID, HOUSEHOLD]),
    ("psb", "GA-004", "机动车驾驶证换证", "public_service", 10, 0, 10, "工本费10元", True, True, True,
     [ID, ("原机动车驾驶证", "original", 1, True, False, ""), ("身体条件证明", "original", 1, True, False, "")]),
    ("psb", "GA-005", "无犯罪记录证明开具", "convenience", 7, 3, 0, "", True, False, False,
     [ID, ("用途说明", "original", 1, True, False, "")]),
    ("hrss", "RS-001", "社会保障卡申领", "public_service", 20, 0, 0, "", True, True, True, [ID, PHOTO]),
    ("hrss", "RS-002", "城镇职工基本养老保险关系转移接续", "public_service", 45, 15, 0, "", True, False, False,
     [ID, ("参保缴费凭证", "original", 1, True, False, "")]),
    ("hrss", "RS-003", "失业保险金申领", "public_service", 20, 5, 0, "", True, True, False,
     [ID, ("解除或终止劳动合同证明", "original", 1, True, False, ""), ("银行卡", "copy", 1, True, False, "")]),
    ("hrss", "RS-004", "个人参保证明打印", "convenience", 1, 0, 0, "", True, False, False, [ID]),
    ("hrss", "RS-005", "企业职工社会保险登记", "public_service", 5, 0, 0, "", True, False, False,
     [LICENCE, ("单位银行账户信息", "copy", 1, True, False, "")]),
    ("realestate", "BDC-001", "国有建设用地使用权及房屋所有权转移登记", "licence", 30, 5, 80, "住宅80元/件", True, True, True,
     [ID, ("不动产权属证书", "original", 1, True, False, ""), ("买卖合同", "original", 1, True, False, ""),
      ("完税凭证", "copy", 1, True, False, "")]),
    ("realestate", "BDC-002", "不动产抵押登记", "licence", 30, 3, 80, "住宅80元/件", True, True, True,
     [ID, ("不动产权属证书", "original", 1, True, False, ""), ("主债权合同及抵押合同", "original", 1, True, False, "")]),
    ("realestate", "BDC-003", "不动产登记信息查询", "convenience", 1, 0, 0, "", True, False, False, [ID]),
    ("realestate", "BDC-004", "不动产权证书补证", "public_service", 30, 10, 10, "工本费10元", False, True, True,
     [ID, ("遗失声明", "copy", 1, True, False, "")]),
    ("housing", "ZJ-001", "建筑工程施工许可证核发", "licence", 15, 3, 0, "", True, True, False,
     [FORM, ("建设工程规划许可证", "copy", 1, True, False, ""), ("施工合同", "copy", 1, True, False, ""),
      ("安全施工措施资料", "original", 1, True, True, "容缺受理，领证前补齐")]),
    ("housing", "ZJ-002", "商品房预售许可", "licence", 20, 5, 0, "", True, True, False,
     [FORM, ("国有土地使用证", "copy", 1, True, False, ""), ("建设工程规划许可证", "copy", 1, True, False, ""),
      ("预售方案", "original", 1, True, False, "")]),
    ("housing", "ZJ-003", "建筑业企业资质（施工总承包三级）核定", "licence", 20, 10, 0, "", True, False, False,
     [FORM, LICENCE, ("技术负责人职称证书", "copy", 1, True, False, "")]),
    ("planning", "ZG-001", "建设用地规划许可证核发", "licence", 20, 5, 0, "", True, True, False,
     [FORM, ("土地出让合同", "copy", 1, True, False, ""), ("建设项目批准文件", "copy", 1, True, False, "")]),
    ("planning", "ZG-002", "建设工程规划许可证核发", "licence", 20, 5, 0, "", True, True, False,
     [FORM, ("建设用地规划许可证", "copy", 1, True, False, ""), ("设计方案总平面图", "original", 1, True, False, "")]),
    ("planning", "ZG-003", "建设项目用地预审与选址意见书", "licence", 20, 7, 0, "", True, False, False,
     [FORM, ("项目建议书或可研报告", "copy", 1, True, False, "")]),
    ("ndrc", "FG-001", "企业投资项目备案", "public_service", 5, 1, 0, "", True, False, False,
     [("项目备案信息表", "original", 1, True, False, "")]),
    ("ndrc", "FG-002", "政府投资项目可行性研究报告审批", "licence", 20, 10, 0, "", True, False, False,
     [("可行性研究报告", "original", 2, True, False, ""), ("规划选址意见", "copy", 1, True, False, "")]),
    ("health", "WJ-001", "医疗机构执业登记", "licence", 45, 15, 0, "", True, True, False,
     [FORM, ("设置医疗机构批准书", "copy", 1, True, False, ""), ("房屋产权证明", "copy", 1, True, False, "")]),
    ("health", "WJ-002", "公共场所卫生许可", "licence", 20, 3, 0, "", True, True, False,
     [FORM, LICENCE, ("卫生管理制度", "original", 1, True, True, "可容缺，3个工作日内补交")]),
    ("health", "WJ-003", "出生医学证明补发", "public_service", 20, 5, 0, "", False, True, False,
     [ID, ("出生医学证明遗失声明", "copy", 1, True, False, "")]),
    ("civil", "MZ-001", "内地居民婚姻登记", "public_service", 1, 0, 0, "", False, True, False,
     [ID, HOUSEHOLD, PHOTO]),
    ("civil", "MZ-002", "最低生活保障申请", "public_service", 30, 15, 0, "", True, False, False,
     [ID, HOUSEHOLD, ("家庭收入情况声明", "original", 1, True, False, "")]),
    ("civil", "MZ-003", "社会团体成立登记", "licence", 60, 20, 0, "", True, False, False,
     [FORM, ("章程草案", "original", 1, True, False, ""), ("住所使用证明", "copy", 1, True, True, "")]),
    ("transport", "JT-001", "道路运输经营许可（货运）", "licence", 20, 5, 0, "", True, True, True,
     [FORM, ("车辆行驶证", "copy", 1, True, False, ""), ("驾驶员从业资格证", "copy", 1, True, False, "")]),
    ("transport", "JT-002", "出租汽车驾驶员从业资格证补发", "public_service", 10, 0, 0, "", True, False, True,
     [ID, PHOTO]),
    ("ecology", "HB-001", "建设项目环境影响报告表审批", "licence", 30, 10, 0, "", True, False, False,
     [("环境影响报告表", "original", 2, True, False, ""), ("项目备案文件", "copy", 1, True, False, "")]),
    ("ecology", "HB-002", "排污许可证核发（简化管理）", "licence", 30, 10, 0, "", True, False, False,
     [FORM, LICENCE]),
    ("medical", "YB-001", "医保关系转移接续", "public_service", 15, 0, 0, "", True, False, False,
     [ID, ("参保凭证", "original", 1, True, False, "")]),
    ("medical", "YB-002", "异地就医备案", "convenience", 1, 0, 0, "", True, False, False, [ID]),
    ("medical", "YB-003", "门诊慢特病待遇认定", "public_service", 20, 5, 0, "", True, False, False,
     [ID, ("病历及诊断证明", "copy", 1, True, False, "")]),
    ("fund", "GJJ-001", "住房公积金提取（购房）", "public_service", 3, 0, 0, "", True, True, False,
     [ID, ("购房合同", "copy", 1, True, False, ""), ("购房发票", "copy", 1, True, False, "")]),
    ("fund", "GJJ-002", "住房公积金个人贷款申请", "public_service", 15, 5, 0, "", True, True, False,
     [ID, ("婚姻状况证明", "original", 1, True, False, ""), ("购房合同", "original_and_copy", 1, True, False, ""),
      ("收入证明", "original", 1, True, True, "可容缺，放款前补交")]),
    ("fund", "GJJ-003", "住房公积金缴存证明打印", "convenience", 1, 0, 0, "", True, False, False, [ID]),
    ("fire", "XF-001", "公众聚集场所投入使用、营业前消防安全检查", "licence", 10, 5, 0, "", True, True, False,
     [FORM, LICENCE, ("消防安全制度", "original", 1, True, False, "")]),
    ("fire", "XF-002", "建设工程消防设计审查", "licence", 15, 7, 0, "", True, False, False,
     [FORM, ("消防设计文件", "original", 1, True, False, "")]),
    ("airdefence", "RF-001", "结合民用建筑修建防空地下室审批", "licence", 20, 5, 0, "", True, False, False,
     [FORM, ("人防工程设计图", "original", 1, True, False, "")]),
    ("education", "JY-001", "民办学校（培训机构）办学许可", "licence", 30, 15, 0, "", True, False, False,
     [FORM, ("举办者资格证明", "copy", 1, True, False, ""), ("办学场所证明", "copy", 1, True, True, "")]),
    ("education", "JY-002", "教师资格认定", "licence", 30, 10, 0, "", True, True, True,
     [ID, ("学历证书", "original_and_copy", 1, True, False, ""), ("体检合格证明", "original", 1, True, False, "")]),
    ("culture", "WL-001", "娱乐场所经营许可", "licence", 20, 5, 0, "", True, True, False,
     [FORM, LICENCE, ("场所平面图", "original", 1, True, False, "")]),
    ("culture", "WL-002", "营业性演出审批", "licence", 3, 1, 0, "", True, False, False,
     [FORM, ("演出节目内容材料", "original", 1, True, False, "")]),
    ("commerce", "SW2-001", "对外贸易经营者备案登记", "public_service", 5, 0, 0, "", True, False, False,
     [FORM, LICENCE]),
    ("commerce", "SW2-002", "单用途商业预付卡备案", "public_service", 10, 1, 0, "", True, False, False,
     [FORM, LICENCE]),
    ("urban", "CG-001", "户外广告设施设置审批", "licence", 20, 3, 0, "", True, True, False,
     [FORM, ("设置位置效果图", "original", 1, True, False, ""), ("场地使用协议", "copy", 1, True, True, "")]),
    ("urban", "CG-002", "城市建筑垃圾处置核准", "licence", 20, 3, 0, "", True, False, False,
     [FORM, ("运输车辆清单", "original", 1, True, False, "")]),
    ("urban", "CG-003", "临时占用城市道路审批", "licence", 20, 2, 0, "", True, True, False,
     [FORM, ("占道示意图", "original", 1, True, False, "")]),
    ("psb", "GA-006", "居住证签注", "convenience", 1, 0, 0, "", True, False, False, [ID]),
]

# Matters the branch centre offers too (codes of MATTERS); its catalogue is its own copy.
BRANCH_MATTER_CODES = [
    "SC-002", "SC-005", "SW-003", "GA-003", "GA-006", "RS-001", "RS-004", "BDC-003", "YB-002",
    "GJJ-003", "MZ-001", "MZ-002", "SW-001", "YB-001", "GJJ-001",
]
BRANCH_DEPARTMENTS = ["amr", "tax", "psb", "hrss", "realestate", "medical", "fund", "civil"]

DEMO_PASSWORD = "Hall-demo-2026"  # noqa: S105 - printed by scripts/run for the demo accounts

# (username, role, centre code, department code, real name, staff number, department head, is_staff)
STAFF = [
    ("manager", "manager", "city", None, "王主任", "M001", False, True),
    ("manager_haimen", "manager", "haimen", None, "周主任", "M101", False, True),
    ("clerk", "clerk", "city", "amr", "李晓梅", "C0011", False, False),
    ("clerk_tax", "clerk", "city", "tax", "赵磊", "C0013", False, False),
    ("approver", "approver", "city", "amr", "陈建国", "A0101", True, False),
    ("approver_tax", "approver", "city", "tax", "孙丽", "A0201", True, False),
    ("supervisor", "supervisor", "city", None, "刘监察", "J001", False, True),
    ("caller", "callback_operator", "city", None, "吴回访", "H001", False, False),
]
CITIZEN = {"username": "citizen", "phone": "13800000001", "real_name": "张三", "id_number": "11010519491231002X"}
ENTERPRISE = {
    "username": "enterprise",
    "phone": "13800000002",
    "real_name": "钱经理",
    "enterprise_name": "江海示范科技有限公司",
    "credit_code": "91350100M000100Y43",
}
# Demo device keys (prefix.secret). Real devices get random keys from the admin.
DEVICES = [
    ("kiosk", "一楼大厅取号机", None, "demokiosk.kiosk-demo-secret-2026"),
    ("display", "一楼叫号大屏", None, "demodisp.display-demo-secret-2026"),
    ("window_pad", "1号窗口评价器", "1", "demopad1.pad-demo-secret-2026"),
]

# Queue categories: (prefix, name, departments whose matters it covers)
CITY_CATEGORIES = [
    ("A", "企业开办与市场监管", ["amr", "tax", "commerce"]),
    ("B", "不动产登记", ["realestate"]),
    ("C", "社保医保公积金", ["hrss", "medical", "fund"]),
    ("D", "户政出入境与车驾管", ["psb"]),
    ("E", "工程建设项目", ["housing", "planning", "ndrc", "fire", "airdefence", "ecology"]),
    ("F", "社会事务综合", ["health", "civil", "transport", "education", "culture", "urban"]),
    ("G", "出件领证", []),
]
BRANCH_CATEGORIES = [
    ("A", "综合受理", ["amr", "tax", "psb", "hrss", "realestate", "medical", "fund", "civil"]),
    ("G", "出件领证", []),
]
# Window number → category prefixes in the window's calling order (tidal windows get theirs from the tidal job).
CITY_WINDOW_CATEGORIES = {
    "1": "ABCDF", "2": "BACDF", "3": "CDABF", "4": "DCFAB", "5": "AE", "6": "EA", "7": "ABCDEF", "10": "G",
    "11": "A", "12": "A", "13": "A", "14": "A", "15": "D", "16": "D", "17": "C", "18": "B", "19": "B", "20": "E",
    "21": "E", "22": "C", "23": "C", "24": "F", "25": "F", "26": "F",
}
BRANCH_WINDOW_CATEGORIES = {"1": "A", "2": "A", "3": "A", "4": "A", "6": "G"}
# Share of each category in a day's tickets, and its mean service minutes.
CITY_TRAFFIC = {"A": (0.28, 9), "B": (0.16, 14), "C": (0.2, 7), "D": (0.14, 6), "E": (0.06, 20), "F": (0.1, 8),
                "G": (0.06, 3)}
CITY_TICKETS_PER_DAY = 320
BRANCH_TICKETS_PER_DAY = 60
HISTORY_DAYS = 30

SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗"
GIVEN_NAMES = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
               "秀兰", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "红梅", "玉兰", "文"]
