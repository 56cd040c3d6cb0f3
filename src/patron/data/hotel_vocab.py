"""The words the synthetic hotel world is written in: names, places, menus, survey items.

Kept apart from the generator so that ``hotel.py`` reads as the causal story only.
Every list here is data (never shown as interface text), so it is not translated; the
survey items carry their own English and Chinese wording.
"""

from __future__ import annotations

# English given names by gender, and family names.
EN_FEMALE = (
    "Emma Olivia Sophie Charlotte Emily Grace Hannah Lucy Alice Chloe Amelia Isabella "
    "Sarah Laura Rachel"
).split()
EN_MALE = (
    "James Oliver William Thomas Daniel Michael David Henry George Samuel Benjamin Jack "
    "Andrew Peter Robert"
).split()
EN_FAMILY = (
    "Smith Johnson Brown Taylor Wilson Davies Evans Clarke Walker Wright Robinson "
    "Thompson White Hughes Edwards Green Hall Wood Harris Martin Baker Turner Lewis "
    "Scott Young King Morgan Cooper Bennett Carter"
).split()

# Chinese family names and given names: (pinyin, characters).
ZH_FAMILY = [
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"),
    ("Yang", "杨"), ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"),
    ("Xu", "徐"), ("Sun", "孙"), ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"),
    ("Guo", "郭"), ("He", "何"), ("Lin", "林"), ("Gao", "高"), ("Luo", "罗"),
    ("Zheng", "郑"), ("Liang", "梁"), ("Xie", "谢"), ("Song", "宋"), ("Tang", "唐"),
    ("Han", "韩"), ("Feng", "冯"), ("Deng", "邓"), ("Cao", "曹"), ("Peng", "彭"),
]  # fmt: skip
ZH_FEMALE = [
    ("Fang", "芳"), ("Na", "娜"), ("Min", "敏"), ("Jing", "静"), ("Li", "丽"),
    ("Yan", "燕"), ("Xiuying", "秀英"), ("Hui", "慧"), ("Ting", "婷"), ("Xue", "雪"),
    ("Lin", "琳"), ("Yu", "雨"), ("Mei", "梅"), ("Qian", "倩"), ("Yue", "悦"),
]  # fmt: skip
ZH_MALE = [
    ("Wei", "伟"), ("Qiang", "强"), ("Lei", "磊"), ("Jun", "军"), ("Yong", "勇"),
    ("Jie", "杰"), ("Tao", "涛"), ("Ming", "明"), ("Chao", "超"), ("Hao", "浩"),
    ("Bin", "斌"), ("Peng", "鹏"), ("Hua", "华"), ("Gang", "刚"), ("Long", "龙"),
]  # fmt: skip

# Home cities: (city, region, country); Chinese guests mostly come from the first list.
ZH_CITIES = [
    ("Shanghai", "Shanghai", "CN"), ("Beijing", "Beijing", "CN"),
    ("Hangzhou", "Zhejiang", "CN"), ("Shenzhen", "Guangdong", "CN"),
    ("Guangzhou", "Guangdong", "CN"), ("Chengdu", "Sichuan", "CN"),
    ("Nanjing", "Jiangsu", "CN"), ("Suzhou", "Jiangsu", "CN"), ("Wuhan", "Hubei", "CN"),
]  # fmt: skip
INTL_CITIES = [
    ("London", "England", "GB"), ("New York", "New York", "US"),
    ("Singapore", "Singapore", "SG"), ("Sydney", "New South Wales", "AU"),
    ("Toronto", "Ontario", "CA"), ("Hong Kong", "Hong Kong", "HK"),
    ("Frankfurt", "Hesse", "DE"),
]  # fmt: skip

ACQUISITION_CHANNELS = ("direct web", "OTA", "corporate", "travel agent", "referral", "walk-in")
BOOKING_CHANNELS = ("direct web", "phone", "OTA", "corporate", "walk-in")

# Properties: (name, city, price factor, share of guests whose home hotel it is).
PROPERTIES = [
    ("Patron Bund Riverside", "Shanghai", 1.20, 0.35),
    ("Patron West Lake", "Hangzhou", 1.00, 0.25),
    ("Patron Garden Beijing", "Beijing", 1.10, 0.25),
    ("Patron Pearl River", "Guangzhou", 0.90, 0.15),
]

# The organisation the demo hotel data belong to: the group and one unit per property
# (code, English name, Chinese name), in the order of PROPERTIES.
HOTEL_GROUP = ("hotel", "Patron Hotels", "百川酒店集团")
PROPERTY_UNITS = [
    ("bund", "Patron Bund Riverside", "百川外滩江景酒店"),
    ("west-lake", "Patron West Lake", "百川西湖酒店"),
    ("garden-bj", "Patron Garden Beijing", "百川北京花园酒店"),
    ("pearl-river", "Patron Pearl River", "百川珠江酒店"),
]

# Rooms: (type, rate per night before season and property factors, cost share).
ROOM_TYPES = [("Standard", 140.0), ("Deluxe", 210.0), ("Suite", 420.0)]
ROOM_COST_SHARE = 0.32

# Extras on a stay: (product, category, median amount, cost share).
EXTRAS = {
    "breakfast": ("Breakfast", "F&B", 22.0, 0.45),
    "restaurant": ("Dinner at Jade Garden", "F&B", 65.0, 0.55),
    "bar": ("Lobby bar", "F&B", 35.0, 0.35),
    "spa": ("Spa treatment", "spa", 120.0, 0.50),
}

# Preferences: key -> (values, share of staying guests with one, who notices it).
PREFERENCES = {
    "breakfast": (
        [
            "sandwich, coffee, egg",
            "congee, soy milk, youtiao",
            "fruit, yogurt, tea",
            "full English, coffee",
            "dim sum, tea",
            "omelette, toast, juice",
        ],
        0.70,
        "restaurant",
    ),
    "seat": (
        [
            "window, 2nd floor",
            "window, 1st floor",
            "booth, quiet corner",
            "terrace",
            "near the piano",
            "bar counter",
        ],
        0.50,
        "restaurant",
    ),
    "room": (
        [
            "high floor, quiet",
            "near the elevator",
            "twin beds",
            "city view",
            "river view",
            "non-smoking, away from the lift",
        ],
        0.60,
        "front desk",
    ),
    "pillow": (["soft", "firm", "buckwheat", "memory foam", "feather-free"], 0.40, "housekeeping"),
    "newspaper": (
        ["China Daily", "Financial Times", "South China Morning Post", "none"],
        0.20,
        "front desk",
    ),
}

STAFF = (
    "Li Na", "Zhang Min", "Wang Lei", "Tom Baker", "Chen Jing", "Sarah Hughes",
    "Liu Yang", "Zhao Hui", "Ma Jun", "Anna Wright",
)  # fmt: skip

CALL_TOPICS = (
    "Asked about airport transfer",
    "Requested late check-in",
    "Asked about parking",
    "Changed arrival date",
    "Asked about the spa opening hours",
)
SERVICE_REQUESTS = (
    "Extra pillows",
    "Late checkout",
    "Room cleaning",
    "Taxi booking",
    "Restaurant reservation",
    "Iron and ironing board",
    "Wake-up call",
    "Laundry pick-up",
)

# Complaints: category -> descriptions; severity -> (share, SLA hours, median hours to resolve).
COMPLAINT_CATEGORIES = {
    "room": ["Air conditioning not working", "Room not ready at check-in", "Broken shower"],
    "cleanliness": ["Bathroom not cleaned", "Stained bed linen", "Dusty room"],
    "noise": ["Construction noise in the morning", "Noisy neighbours at night"],
    "billing": ["Charged twice for breakfast", "Minibar items not consumed on the bill"],
    "staff": ["Rude reception staff", "Long wait at check-out"],
    "food": ["Cold breakfast", "Wrong dish served at dinner"],
    "wifi": ["Wi-Fi dropped all evening", "Could not connect to Wi-Fi"],
}
COMPLAINT_CHANNELS = ("front desk", "phone", "email", "online review")
SEVERITIES = {"low": (0.50, 72.0, 30.0), "medium": (0.35, 24.0, 14.0), "high": (0.15, 4.0, 5.0)}
RESOLUTIONS = (
    "Room changed and apology given",
    "Bill corrected",
    "Complimentary dinner offered",
    "Repair done within the hour",
    "Manager called the guest",
)
NON_RESOLUTIONS = ("Guest could not be reached; closed", "No remedy offered; closed")

# The ACSI survey: (code, construct, loading, English text, Chinese text).
SURVEY_CODE = "acsi-hotel"
SURVEY_NAME = "Hotel guest satisfaction (ACSI)"
ACSI_ITEMS = [
    ("CE1", "expectation", 0.85,
     "Before your stay, what did you expect of the hotel's overall quality?",
     "入住前，您对酒店整体质量的期望如何？"),
    ("CE2", "expectation", 0.80,
     "Before your stay, how well did you expect the hotel to meet your personal needs?",
     "入住前，您预期酒店满足您个人需求的程度如何？"),
    ("CE3", "expectation", 0.75,
     "Before your stay, how reliable did you expect the hotel's service to be?",
     "入住前，您预期酒店服务的可靠程度如何？"),
    ("PQ1", "quality", 0.90,
     "How do you rate the overall quality of your stay?",
     "您如何评价此次入住的整体质量？"),
    ("PQ2", "quality", 0.85,
     "How well did the hotel meet your personal needs?",
     "酒店满足您个人需求的程度如何？"),
    ("PQ3", "quality", 0.80,
     "How reliable was the service during your stay?",
     "入住期间服务的可靠程度如何？"),
    ("PV1", "value", 0.90,
     "Given the price you paid, how do you rate the quality of your stay?",
     "考虑您支付的价格，您如何评价此次入住的质量？"),
    ("PV2", "value", 0.85,
     "Given the quality of your stay, how do you rate the price you paid?",
     "考虑此次入住的质量，您如何评价您支付的价格？"),
    ("SAT1", "satisfaction", 0.90,
     "Overall, how satisfied are you with the hotel?",
     "总体而言，您对酒店的满意程度如何？"),
    ("SAT2", "satisfaction", 0.85,
     "How well did the hotel meet your expectations?",
     "酒店在多大程度上达到了您的期望？"),
    ("SAT3", "satisfaction", 0.80,
     "How close is the hotel to your ideal hotel?",
     "本酒店与您心目中理想酒店的接近程度如何？"),
    ("CC1", "complaints", 0.90,
     "How confident are you that the hotel would handle a complaint of yours well?",
     "您相信酒店会妥善处理您的投诉吗？"),
    ("CL1", "loyalty", 0.85,
     "How likely are you to stay with us again?",
     "您再次入住本酒店的可能性有多大？"),
    ("CL2", "loyalty", 0.65,
     "If another hotel offered a lower price, how likely would you still choose us?",
     "如果其他酒店价格更低，您仍然选择我们的可能性有多大？"),
    ("CL3", "loyalty", 0.85,
     "How likely are you to choose us on your next trip to this city?",
     "下次来这座城市时，您选择本酒店的可能性有多大？"),
]  # fmt: skip
NPS_ITEM = (
    "NPS",
    "nps",
    "How likely are you to recommend the hotel to a friend or colleague?",
    "您向朋友或同事推荐本酒店的可能性有多大？",
)
# Where each construct's answers sit on the 1–10 scale (centre, spread per latent SD).
ITEM_CENTRE = {
    "expectation": 7.6,
    "quality": 7.3,
    "value": 6.8,
    "satisfaction": 7.2,
    "complaints": 6.9,
    "loyalty": 7.0,
}
ITEM_SPREAD = 1.6
