"""Reference data of the demo retailer: policy numbers, categories, teams, departments, products
and trade-in models. Plain data, loaded by :mod:`bot.ledger.seed`.

Label facts of medicines deliberately hold no quantities: how much to take is always the label's
or the doctor's word, never the assistant's.
"""
from __future__ import annotations

POLICY = {
    "price_guarantee_max_days": (30, "longest price-guarantee window of any category (one-click scope)"),
    "claim_refund_hours": (24, "a paid claim reaches the original payment method within"),
    "lightning_min_trust": (700, "lightning refund: lowest trust score"),
    "lightning_max_fen": (200000, "lightning refund: largest refund, in fen (2,000 yuan)"),
    "lightning_seconds": (60, "lightning refund arrives within"),
    "return_pickup_hours": (24, "courier picks a return up within"),
    "warehouse_max_days": (3, "standard refund: days after pickup until the warehouse receives"),
    "quality_return_days": (15, "returns for a quality problem: days from delivery"),
    "trade_in_grade_A_pct": (100, "trade-in condition grade A multiplier, percent"),
    "trade_in_grade_B_pct": (80, "grade B"),
    "trade_in_grade_C_pct": (55, "grade C"),
    "trade_in_grade_D_pct": (30, "grade D"),
    "trade_in_quote_valid_days": (7, "a trade-in quote holds"),
    "trade_in_max_items": (10, "old devices in one trade-in"),
    "replace_visit_hours": (48, "on-site replacement: technician visits within"),
    "pet_young_below_months": (12, "cats and dogs are young below this age"),
    "pet_senior_from_months": (84, "cats and dogs are senior from this age"),
    "night_start_minute": (22 * 60, "night starts (local time, minutes after midnight)"),
    "night_end_minute": (7 * 60, "night ends"),
    "consultation_wait_minutes": (15, "online doctor: consultation starts within"),
    "handoff_avg_minutes": (6, "average minutes an agent spends per conversation"),
    "callback_window_minutes": (120, "callback promised within this long after the team's shift starts"),
}

TEAMS = [  # code, name, around the clock, topics routed there
    ("general", "综合客服", True, ["complaint", "self_harm", "human_handoff", "invoice", "order_status",
                                  "delivery_time", "refund_status", "return_request", "price_guarantee",
                                  "coupon_refund"]),
    ("appliances", "家电服务", False, ["repair_replace", "appliance"]),
    ("phones_digital", "手机数码", False, ["trade_in", "phone", "computer"]),
    ("baby", "母婴服务", False, ["diaper_size_exchange", "baby_appliance_fault", "baby"]),
    ("pharmacy", "药师团队", False, ["medication_question", "online_doctor", "urgent_medicine_delivery",
                                     "medical_emergency", "pharmacist"]),
    ("pets", "宠物顾问", False, ["pet_food_advice", "pets"]),
    ("beauty", "美妆顾问", False, ["beauty"]),
    ("sports", "运动户外", False, ["sports"]),
]

# code, name, team, price-guarantee days, return days, return rule, opened returnable,
# diaper exchange days, replace days, trade-in kind, trade-in subsidy (fen)
CATEGORIES = [
    ("phones", "手机", "phones_digital", 15, 7, "no_reason", True, None, None, "phone", 30000),
    ("laptops", "笔记本电脑", "phones_digital", 30, 7, "no_reason", True, None, None, "computer", 50000),
    ("tablets", "平板电脑", "phones_digital", 30, 7, "no_reason", True, None, None, "tablet", 20000),
    ("appliances", "家用电器", "appliances", 30, 7, "no_reason", True, None, None, "appliance", 20000),
    ("baby_appliances", "母婴电器", "baby", 30, 7, "no_reason", True, None, 365, None, 0),
    ("diapers", "纸尿裤", "baby", 30, 7, "no_reason", False, 90, None, None, 0),
    ("pullups", "拉拉裤", "baby", 30, 7, "no_reason", False, 90, None, None, 0),
    ("formula", "奶粉", "baby", 30, 7, "no_reason", True, None, None, None, 0),
    ("pet_food", "宠物食品", "pets", 30, 7, "no_reason", False, None, None, None, 0),
    ("medicine_otc", "非处方药", "pharmacy", 30, 7, "quality_only", True, None, None, None, 0),
    ("medicine_rx", "处方药", "pharmacy", 30, 7, "quality_only", True, None, None, None, 0),
    ("beauty", "美妆护肤", "beauty", 30, 7, "no_reason", True, None, None, None, 0),
    ("sports", "运动户外", "sports", 30, 7, "no_reason", True, None, None, None, 0),
]

DEPARTMENTS = [
    ("general_medicine", "全科", ["不舒服", "乏力", "没精神", "难受"]),
    ("pediatrics", "儿科", ["孩子", "宝宝", "小孩", "儿子", "女儿", "婴儿"]),
    ("respiratory", "呼吸内科", ["咳嗽", "感冒", "发烧", "发热", "喉咙", "嗓子", "流鼻涕", "鼻塞"]),
    ("gastroenterology", "消化内科", ["胃", "肚子", "腹泻", "拉肚子", "恶心", "呕吐", "便秘"]),
    ("dermatology", "皮肤科", ["皮肤", "痘", "湿疹", "过敏", "起疹", "痒"]),
    ("neurology", "神经内科", ["头晕", "头痛", "失眠", "偏头痛"]),
    ("cardiology", "心内科", ["心慌", "心悸", "血压", "高血压"]),
    ("gynecology", "妇产科", ["怀孕", "孕期", "月经", "备孕", "产后"]),
]

SIZE_CHART_DIAPER = {"NB": [0, 5], "S": [4, 8], "M": [6, 11], "L": [9, 14], "XL": [12, 17]}
SIZE_CHART_DIAPER_NO_NB = {k: v for k, v in SIZE_CHART_DIAPER.items() if k != "NB"}
SIZE_CHART_PULLUP = {"L": [9, 14], "XL": [12, 17], "XXL": [15, 25]}


def _drug(generic, aliases, indications, usage, contraindications, interactions, side_effects,
          storage="密封，置阴凉干燥处保存，放在儿童接触不到的地方。"):
    return {"generic_name": generic, "aliases": aliases, "indications": indications,
            "usage": usage, "contraindications": contraindications,
            "interactions": interactions, "side_effects": side_effects, "storage": storage}


def _pet(species, stages, tags, protein, fat, tested_days_ago, weight=None, prescription=False):
    return {"species": species, "life_stages": stages, "tags": tags, "prescription": prescription,
            "weight_range_kg": weight, "nutrition": {"粗蛋白": f"≥{protein}%", "粗脂肪": f"≥{fat}%"},
            "quality_test": {"result": "合格：京东品质检测通过（营养成分、霉菌毒素、重金属）",
                             "days_ago": tested_days_ago}}   # dated from the ledger clock at seeding


# sku, name, category, brand, price (yuan), extra: line/size/baby appliance/attributes
PRODUCTS = [
    ("P-IP15", "Apple iPhone 15 128GB 黑色", "phones", "Apple", 5999, {}),
    ("P-MATE60", "华为 HUAWEI Mate 60 Pro 12GB+512GB 雅丹黑", "phones", "华为", 6999, {}),
    ("P-MI14", "小米14 12GB+256GB 白色", "phones", "小米", 3999, {}),
    ("P-FINDX7", "OPPO Find X7 16GB+256GB", "phones", "OPPO", 4499, {}),
    ("P-VX100", "vivo X100 12GB+256GB", "phones", "vivo", 3999, {}),
    ("L-X1C", "联想ThinkPad X1 Carbon 2024 14英寸笔记本", "laptops", "联想", 10999, {}),
    ("L-MB14", "华为MateBook 14 2024 轻薄笔记本", "laptops", "华为", 5999, {}),
    ("L-MBA", "Apple MacBook Air 13英寸 M2芯片", "laptops", "Apple", 7999, {}),
    ("T-IPADAIR", "Apple iPad Air 11英寸 128GB", "tablets", "Apple", 4799, {}),
    ("T-MATEPAD", "华为MatePad 11.5英寸平板电脑", "tablets", "华为", 1999, {}),
    ("A-MIDEA-AC", "美的 1.5匹 新一级能效 变频空调挂机", "appliances", "美的", 2699, {}),
    ("A-HAIER-FR", "海尔 470升 十字对开门冰箱", "appliances", "海尔", 3999, {}),
    ("A-GREE-AC", "格力 云佳 1.5匹 变频空调", "appliances", "格力", 2899, {}),
    ("A-DYSON-V12", "戴森 Dyson V12 Detect Slim 无绳吸尘器", "appliances", "戴森", 3990, {}),
    ("A-MI-ROBOT", "小米 米家扫拖机器人 2", "appliances", "小米", 1999, {}),
    ("A-SIEMENS-DW", "西门子 10套 嵌入式洗碗机", "appliances", "西门子", 4599, {}),
    ("B-PIGEON-PUMP", "贝亲 双边电动吸奶器", "baby_appliances", "贝亲", 899, {"baby": True}),
    ("B-BEAR-STER", "小白熊 奶瓶消毒器带烘干", "baby_appliances", "小白熊", 499, {"baby": True}),
    ("B-XINBEI-WARM", "新贝 恒温暖奶器", "baby_appliances", "新贝", 229, {"baby": True}),
    ("B-BC-MAKER", "babycare 婴儿辅食机", "baby_appliances", "babycare", 399, {"baby": True}),
    *[(f"D-MRS-{s}", f"花王妙而舒 纸尿裤 {s}码", "diapers", "花王", 129,
       {"line": "花王妙而舒纸尿裤", "size": s, "attributes": {"size_chart": SIZE_CHART_DIAPER,
                                                                "pieces_per_pack": "按包装标示"}})
      for s in SIZE_CHART_DIAPER],
    *[(f"D-PAM-{s}", f"帮宝适 一级帮 纸尿裤 {s}码", "diapers", "帮宝适", 159,
       {"line": "帮宝适一级帮纸尿裤", "size": s, "attributes": {"size_chart": SIZE_CHART_DIAPER_NO_NB}})
      for s in ("S", "M", "L", "XL")],
    *[(f"U-HGS-{s}", f"好奇 铂金装 拉拉裤 {s}码", "pullups", "好奇", 139,
       {"line": "好奇铂金装拉拉裤", "size": s, "attributes": {"size_chart": SIZE_CHART_PULLUP}})
      for s in SIZE_CHART_PULLUP],
    ("F-FEIHE-1", "飞鹤 星飞帆 婴儿配方奶粉 1段 700g", "formula", "飞鹤", 298, {}),
    ("F-APTA-2", "爱他美 卓萃 较大婴儿配方奶粉 2段 900g", "formula", "爱他美", 368, {}),
    ("PF-RC-INDOOR", "皇家 室内成猫粮 I27 2kg", "pet_food", "皇家", 189,
     {"attributes": _pet("cat", ["adult"], ["weight_control"], 27, 13, 44, [2, 8])}),
    ("PF-RC-KITTEN", "皇家 幼猫粮 K36 2kg", "pet_food", "皇家", 199,
     {"attributes": _pet("cat", ["young"], [], 36, 18, 36, [0.3, 6])}),
    ("PF-ORIJEN-CAT", "渴望 六种鱼 无谷全猫粮 1.8kg", "pet_food", "渴望", 429,
     {"attributes": _pet("cat", ["young", "adult", "senior"], ["grain_free"], 40, 20, 58, [0.5, 10])}),
    ("PF-HILLS-KD", "希尔斯 处方粮 k/d 肾脏护理 猫粮 1.8kg", "pet_food", "希尔斯", 329,
     {"attributes": _pet("cat", ["adult", "senior"], ["kidney"], 28, 20, 51, [2, 10], True)}),
    ("PF-RC-URINARY", "皇家 泌尿道处方 猫粮 LP34 1.5kg", "pet_food", "皇家", 259,
     {"attributes": _pet("cat", ["adult", "senior"], ["urinary"], 34, 15, 48, [2, 10], True)}),
    ("PF-PRO-SENSI", "冠能 敏感肠胃 成猫粮 2.5kg", "pet_food", "冠能", 239,
     {"attributes": _pet("cat", ["adult", "senior"], ["sensitive_stomach"], 34, 14, 41, [2, 9])}),
    ("PF-YANXUAN-SENIOR", "网易严选 全价老年猫粮 1.8kg", "pet_food", "网易严选", 99,
     {"attributes": _pet("cat", ["senior"], ["urinary", "weight_control"], 32, 12, 56, [2, 9])}),
    ("PF-PRO-DOG", "冠能 成犬粮 中型犬 7kg", "pet_food", "冠能", 359,
     {"attributes": _pet("dog", ["adult"], [], 26, 16, 38, [10, 25])}),
    ("PF-RC-SMALL-SENIOR", "皇家 小型犬 老年犬粮 2kg", "pet_food", "皇家", 169,
     {"attributes": _pet("dog", ["senior"], ["weight_control"], 26, 14, 46, [1, 10])}),
    ("PF-BILE-SENSI", "比乐 低敏肠胃 成犬粮 2kg", "pet_food", "比乐", 139,
     {"attributes": _pet("dog", ["adult", "senior"], ["sensitive_stomach", "grain_free"], 28, 14, 54, [1, 40])}),
    ("PF-MFD-PUPPY", "麦富迪 幼犬粮 1.5kg", "pet_food", "麦富迪", 79,
     {"attributes": _pet("dog", ["young"], [], 32, 16, 34, [0.5, 20])}),
    ("PF-PURE-GF-DOG", "伯纳天纯 无谷 全犬粮 1.5kg", "pet_food", "伯纳天纯", 129,
     {"attributes": _pet("dog", ["young", "adult"], ["grain_free"], 30, 15, 61, [1, 40])}),
    ("PF-HILLS-DOG-KD", "希尔斯 处方粮 k/d 肾脏护理 犬粮 1.5kg", "pet_food", "希尔斯", 299,
     {"attributes": _pet("dog", ["adult", "senior"], ["kidney"], 14, 18, 51, [1, 40], True)}),
    ("M-FENBID", "芬必得 布洛芬缓释胶囊 24粒", "medicine_otc", "芬必得",  28, {"attributes": _drug(
        "布洛芬", ["布洛芬", "芬必得", "布洛芬胶囊", "布洛芬缓释胶囊"],
        "用于缓解轻至中度疼痛如头痛、关节痛、偏头痛、牙痛、肌肉痛、神经痛、痛经，也用于普通感冒或流行性感冒引起的发热。",
        "口服，用法用量请按说明书或遵医嘱；不宜长期或大量服用，症状未缓解请咨询医师或药师。",
        "对本品及其他解热镇痛药过敏者禁用；孕妇及哺乳期妇女禁用；活动期消化道溃疡或出血者禁用；严重肝肾功能不全或严重心力衰竭者禁用。",
        "不能同时服用其他含有解热镇痛药的药品（如某些复方抗感冒药）；与抗凝药、降压药等同用时请咨询医师或药师。",
        "少数人可出现恶心、呕吐、胃烧灼感或轻度消化不良等。")}),
    ("M-TYLENOL", "泰诺林 对乙酰氨基酚片 10片", "medicine_otc", "泰诺林", 16, {"attributes": _drug(
        "对乙酰氨基酚", ["对乙酰氨基酚", "扑热息痛", "泰诺林"],
        "用于普通感冒或流行性感冒引起的发热，也用于缓解轻至中度疼痛如头痛、关节痛、偏头痛、牙痛、肌肉痛、神经痛、痛经。",
        "口服，用法用量请按说明书或遵医嘱；用于解热连续使用不超过说明书规定的天数。",
        "严重肝肾功能不全者禁用；对本品过敏者禁用。",
        "不能同时服用其他含有对乙酰氨基酚的药品；服用本品期间不得饮酒或含有酒精的饮料。",
        "偶见皮疹、荨麻疹、药热及粒细胞减少。")}),
    ("M-LHQW", "以岭 连花清瘟胶囊 36粒", "medicine_otc", "以岭", 29, {"attributes": _drug(
        "连花清瘟胶囊", ["连花清瘟", "连花"],
        "清瘟解毒，宣肺泄热。用于流行性感冒属热毒袭肺证，症见发热、恶寒、肌肉酸痛、鼻塞流涕、咳嗽、头痛、咽干咽痛。",
        "口服，用法用量请按说明书或遵医嘱。",
        "风寒感冒者不适用；孕妇、哺乳期妇女、儿童、年老体弱者应在医师指导下服用。",
        "不宜在服药期间同时服用滋补性中药；与其他药物同时使用可能会发生药物相互作用，请咨询医师或药师。",
        "可见胃肠道不适、恶心等。")}),
    ("M-CLARITYNE", "开瑞坦 氯雷他定片 6片", "medicine_otc", "开瑞坦", 25, {"attributes": _drug(
        "氯雷他定", ["氯雷他定", "开瑞坦"],
        "用于缓解过敏性鼻炎有关的症状，如喷嚏、流涕、鼻痒、鼻塞以及眼部痒及烧灼感；也用于缓解慢性荨麻疹、瘙痒性皮肤病及其他过敏性皮肤病的症状及体征。",
        "口服，用法用量请按说明书或遵医嘱。",
        "对本品过敏者禁用。",
        "同时服用酮康唑、大环内酯类抗生素、西咪替丁等药物时可能影响本品代谢，请咨询医师或药师。",
        "常见乏力、头痛、嗜睡、口干、胃肠道不适等。")}),
    ("M-SMECTA", "思密达 蒙脱石散 10袋", "medicine_otc", "思密达", 22, {"attributes": _drug(
        "蒙脱石散", ["蒙脱石散", "思密达", "蒙脱石"],
        "用于成人及儿童急、慢性腹泻。",
        "冲服，用法用量请按说明书或遵医嘱；儿童使用请咨询医师或药师。",
        "对本品过敏者禁用。",
        "如需服用其他药物，建议与本品间隔一段时间，具体请咨询医师或药师。",
        "偶见便秘，大便干结。")}),
    ("M-MOTRIN-KIDS", "美林 布洛芬混悬液 儿童退烧 100ml", "medicine_otc", "美林", 32, {"attributes": _drug(
        "布洛芬混悬液", ["美林", "布洛芬混悬液", "儿童布洛芬"],
        "用于儿童普通感冒或流行性感冒引起的发热，也用于缓解儿童轻至中度疼痛如头痛、关节痛、牙痛。",
        "口服，儿童用量须严格按说明书或遵医嘱，请先咨询医师或药师。",
        "对本品及其他解热镇痛药过敏者禁用；活动期消化道溃疡者禁用。",
        "不能同时服用其他含有解热镇痛药的药品。",
        "少数可出现恶心、呕吐、胃烧灼感或轻度消化不良。")}),
    ("M-GANMAOLING", "999 感冒灵颗粒 9袋", "medicine_otc", "999", 18, {"attributes": _drug(
        "感冒灵颗粒", ["感冒灵", "999感冒灵"],
        "解热镇痛。用于感冒引起的头痛、发热、鼻塞、流涕、咽痛。",
        "开水冲服，用法用量请按说明书或遵医嘱。",
        "严重肝肾功能不全者禁用。",
        "本品含对乙酰氨基酚，不能同时服用与本品成份相似的其他抗感冒药。",
        "偶见皮疹、荨麻疹、药热及粒细胞减少；可见困倦、嗜睡、口渴、虚弱感。")}),
    ("R-AMOX", "阿莫仙 阿莫西林胶囊 24粒", "medicine_rx", "阿莫仙", 21, {"attributes": _drug(
        "阿莫西林", ["阿莫西林", "阿莫仙"],
        "适用于敏感菌所致的感染，如中耳炎、咽炎、扁桃体炎、呼吸道感染、泌尿生殖道感染等。",
        "处方药，须凭医师处方购买，用法用量遵医嘱。",
        "青霉素过敏及青霉素皮肤试验阳性患者禁用。",
        "与其他抗菌药物、避孕药等存在相互作用，请遵医嘱并咨询药师。",
        "可见恶心、呕吐、腹泻及皮疹等。")}),
    ("R-NIFEDIPINE", "拜新同 硝苯地平控释片 7片", "medicine_rx", "拜新同", 33, {"attributes": _drug(
        "硝苯地平控释片", ["硝苯地平", "拜新同"],
        "用于高血压、冠心病慢性稳定型心绞痛。",
        "处方药，须凭医师处方购买，用法用量遵医嘱；整片吞服，不可掰开或嚼碎。",
        "对硝苯地平过敏者禁用；心源性休克者禁用。",
        "与其他降压药、某些抗真菌药等合用需医师评估；服药期间避免食用西柚。",
        "常见头痛、面部潮红、水肿等。")}),
    ("R-METFORMIN", "格华止 盐酸二甲双胍片 20片", "medicine_rx", "格华止", 26, {"attributes": _drug(
        "二甲双胍", ["二甲双胍", "格华止"],
        "用于2型糖尿病的血糖控制。",
        "处方药，须凭医师处方购买，用法用量遵医嘱，随餐或餐后服用。",
        "严重肾功能不全、酮症酸中毒者禁用；进行造影检查前后请遵医嘱停用。",
        "饮酒可增加不良反应风险；与造影剂等合用需遵医嘱。",
        "常见腹泻、恶心、呕吐、腹胀等胃肠道反应。")}),
    ("R-LIPITOR", "立普妥 阿托伐他汀钙片 7片", "medicine_rx", "立普妥", 45, {"attributes": _drug(
        "阿托伐他汀钙", ["阿托伐他汀", "立普妥"],
        "用于高胆固醇血症及冠心病等心血管疾病的风险控制。",
        "处方药，须凭医师处方购买，用法用量遵医嘱。",
        "活动性肝病者禁用；孕妇及哺乳期妇女禁用。",
        "与某些抗生素、抗真菌药合用可能增加肌肉不良反应风险；服药期间避免大量饮用西柚汁。",
        "可见肌痛、腹泻、恶心等。")}),
    ("S-LANCOME", "兰蔻 小黑瓶 精华肌底液 50ml", "beauty", "兰蔻", 1080, {}),
    ("S-ESTEE", "雅诗兰黛 特润修护肌活精华露 小棕瓶 50ml", "beauty", "雅诗兰黛", 920, {}),
    ("X-LINING-RUN", "李宁 赤兔6 PRO 跑步鞋", "sports", "李宁", 299, {}),
    ("X-DECATHLON-TENT", "迪卡侬 速开帐篷 2人", "sports", "迪卡侬", 399, {}),
]

# device model, category, base value (yuan), aliases
TRADE_IN_MODELS = [
    ("iPhone 11", "phone", 1200, ["苹果11", "iphone11"]),
    ("iPhone 12", "phone", 1800, ["苹果12", "iphone12"]),
    ("iPhone 13", "phone", 2600, ["苹果13", "iphone13"]),
    ("iPhone 14", "phone", 3300, ["苹果14", "iphone14"]),
    ("华为 P40", "phone", 1100, ["P40", "华为P40"]),
    ("华为 Mate 40", "phone", 1500, ["Mate40", "华为Mate40", "mate 40"]),
    ("小米 11", "phone", 800, ["小米11", "mi11"]),
    ("小米 12", "phone", 1100, ["小米12", "mi12"]),
    ("MacBook Pro 2019", "computer", 3000, ["macbook pro 2019", "2019款macbook pro"]),
    ("ThinkPad T480", "computer", 900, ["T480", "thinkpad t480"]),
    ("iPad 第9代", "tablet", 1100, ["ipad9", "ipad 9", "第九代ipad"]),
    ("华为 MatePad 10.4", "tablet", 600, ["matepad 10.4", "华为平板10.4"]),
    ("旧冰箱（双门）", "appliance", 300, ["旧冰箱", "冰箱"]),
    ("旧空调（1.5匹）", "appliance", 250, ["旧空调", "空调"]),
    ("旧洗衣机（滚筒）", "appliance", 200, ["旧洗衣机", "洗衣机"]),
]

CITIES = {
    "北京": ["朝阳区", "海淀区", "东城区"],
    "上海": ["浦东新区", "徐汇区", "静安区"],
    "广州": ["天河区", "越秀区"],
    "深圳": ["南山区", "福田区"],
    "成都": ["武侯区"],
}

# What shoppers call the products (kept in each product's ``attributes["aliases"]``).
PRODUCT_ALIASES = {
    "P-IP15": ["iPhone 15", "iPhone15", "苹果15", "iphone 15"],
    "P-MATE60": ["Mate 60 Pro", "Mate60", "mate60pro", "华为Mate60"],
    "P-MI14": ["小米14", "小米 14"],
    "P-FINDX7": ["Find X7", "FindX7", "OPPO Find X7"],
    "P-VX100": ["vivo X100", "X100"],
    "L-X1C": ["ThinkPad X1", "X1 Carbon", "X1C"],
    "L-MB14": ["MateBook 14", "MateBook14", "华为笔记本"],
    "L-MBA": ["MacBook Air", "MacBookAir", "苹果笔记本"],
    "T-IPADAIR": ["iPad Air", "iPadAir"],
    "T-MATEPAD": ["MatePad", "华为平板"],
    "A-MIDEA-AC": ["美的空调"],
    "A-HAIER-FR": ["海尔冰箱", "对开门冰箱"],
    "A-GREE-AC": ["格力空调"],
    "A-DYSON-V12": ["戴森吸尘器", "戴森V12", "V12"],
    "A-MI-ROBOT": ["扫拖机器人", "米家扫地机器人", "扫地机器人"],
    "A-SIEMENS-DW": ["西门子洗碗机", "洗碗机"],
    "B-PIGEON-PUMP": ["吸奶器", "电动吸奶器", "贝亲吸奶器"],
    "B-BEAR-STER": ["奶瓶消毒器", "消毒器", "消毒柜"],
    "B-XINBEI-WARM": ["暖奶器", "温奶器"],
    "B-BC-MAKER": ["辅食机", "料理机"],
    "F-FEIHE-1": ["飞鹤奶粉", "星飞帆"],
    "F-APTA-2": ["爱他美", "卓萃"],
    "S-LANCOME": ["小黑瓶", "兰蔻精华"],
    "S-ESTEE": ["小棕瓶", "雅诗兰黛精华"],
    "X-LINING-RUN": ["赤兔6", "跑步鞋", "跑鞋"],
    "X-DECATHLON-TENT": ["帐篷", "速开帐篷"],
}

# Words a shopper uses for products in general (entity ``product``), beyond the catalogue.
GENERIC_PRODUCTS = ["手机", "笔记本", "电脑", "平板", "空调", "冰箱", "洗衣机", "电视", "热水器",
                    "吸尘器", "微波炉", "电饭煲", "纸尿裤", "尿不湿", "拉拉裤", "奶粉", "猫粮",
                    "狗粮", "耳机", "手表", "充电器", "路由器", "相机", "显示器", "键盘", "鼠标",
                    "奶瓶", "婴儿车", "安全座椅", "猫砂", "冻干", "罐头", "跑步机"]

CATEGORY_WORDS = {  # word -> category code
    "手机": "phones", "笔记本电脑": "laptops", "平板电脑": "tablets", "家电": "appliances",
    "家用电器": "appliances", "大家电": "appliances", "母婴电器": "baby_appliances",
    "母婴": "baby_appliances", "纸尿裤": "diapers", "拉拉裤": "pullups", "奶粉": "formula",
    "宠物食品": "pet_food", "猫粮": "pet_food", "狗粮": "pet_food", "处方粮": "pet_food",
    "非处方药": "medicine_otc", "处方药": "medicine_rx", "药品": "medicine_otc",
    "美妆": "beauty", "护肤品": "beauty", "化妆品": "beauty", "运动户外": "sports",
    "数码": "phones",
}

SPECIES_WORDS = {"猫": "cat", "猫咪": "cat", "小猫": "cat", "幼猫": "cat", "老猫": "cat",
                 "成猫": "cat", "喵星人": "cat", "主子": "cat", "猫猫": "cat",
                 "狗": "dog", "狗狗": "dog", "小狗": "dog", "幼犬": "dog", "老狗": "dog",
                 "成犬": "dog", "犬": "dog", "汪星人": "dog", "狗子": "dog", "泰迪": "dog",
                 "金毛": "dog", "柯基": "dog", "柴犬": "dog", "哈士奇": "dog", "英短": "cat",
                 "布偶": "cat", "美短": "cat", "橘猫": "cat", "比熊": "dog", "边牧": "dog"}

PET_NEED_WORDS = {"肠胃敏感": "sensitive_stomach", "肠胃不好": "sensitive_stomach",
                  "软便": "sensitive_stomach", "拉稀": "sensitive_stomach",
                  "泌尿": "urinary", "尿结石": "urinary", "尿路": "urinary", "尿闭": "urinary",
                  "肾": "kidney", "肾病": "kidney", "肾衰": "kidney", "肾不好": "kidney",
                  "减肥": "weight_control", "太胖": "weight_control", "控制体重": "weight_control",
                  "体重控制": "weight_control", "超重": "weight_control", "无谷": "grain_free",
                  "谷物过敏": "grain_free", "不含谷物": "grain_free"}

# Service words jieba should keep whole (they carry the intent).
SERVICE_TERMS = ["价保", "保价", "一键价保", "退差价", "领券价保", "闪电退款", "以旧换新", "以换代修",
                 "上门换新", "七天无理由", "7天无理由", "尿不湿", "拉拉裤", "京豆", "白条", "秒杀",
                 "药急送", "在线问诊", "人工客服", "转人工", "退货", "退款", "换货", "发票", "专票",
                 "电子发票", "物流", "快递", "京东物流", "京东到家", "京东直播", "京喜拼拼", "优惠券",
                 "满减", "PLUS会员", "处方药", "处方粮", "品质检测", "选粮", "估价", "回收", "报修"]
