"""What each kind of import row must contain: fields, types, required fields and keys.

A *kind* is one thing a file can hold (customers, orders …). Its fields are the target
columns; a source column feeds a field when its name (lower-cased, punctuation dropped)
equals the field's name or one of its aliases, or when a mapping says so. The
``identity`` fields of kinds without a natural key make up the content hash that
recognises a row again on a re-import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from patron.core.i18n import _
from patron.exceptions import InputError

TEXT, FLOAT, INT, BOOL, DATE, DATETIME = "text", "float", "int", "bool", "date", "datetime"
EMAIL = "email"  # text holding exactly one e-mail address

SEVERITIES = ("low", "medium", "high", "critical")
COMPLAINT_STATUSES = ("open", "assigned", "resolved", "closed")


@dataclass(frozen=True)
class Field:
    """One target column: its type, whether a row needs it, and other names it goes by."""

    name: str
    type: str = TEXT
    required: bool = False
    length: int | None = None
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Kind:
    """One kind of row: the table it lands in and how a row is recognised again.

    ``id_field`` is the source system's identifier (optional in the file for orders,
    interactions and complaints: rows without one are keyed by a hash of ``identity``).
    ``mutable`` kinds update the stored row when a re-import brings new values; the
    others are facts: a row seen before is skipped as a duplicate.
    """

    name: str
    table: str
    fields: tuple[Field, ...]
    id_field: str | None = None
    identity: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    mutable: bool = False
    customer_ref: bool = True
    extra_to_attributes: bool = False
    description: str = ""
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


def _unit_ref() -> Field:
    """The organisation unit (its code) a row belongs to: a property, a station, a branch."""
    return Field(
        "unit",
        TEXT,
        False,
        64,
        (
            "unitcode",
            "unitid",
            "property",
            "propertycode",
            "station",
            "branch",
            "单位",
            "分店",
            "站点",
        ),
    )


def _customer_ref(required: bool = True) -> Field:
    return Field(
        "customer_id",
        TEXT,
        required=required,
        length=128,
        aliases=(
            "customer",
            "customerid",
            "custid",
            "clientid",
            "guestid",
            "memberid",
            "客户编号",
            "客户id",
            "会员编号",
        ),
    )


CUSTOMERS = Kind(
    "customers",
    "customers",
    (
        Field(
            "customer_id",
            TEXT,
            True,
            128,
            (
                "customer",
                "customerid",
                "custid",
                "clientid",
                "guestid",
                "id",
                "客户编号",
                "客户id",
                "会员编号",
            ),
        ),
        Field(
            "name",
            TEXT,
            False,
            200,
            ("fullname", "customername", "guestname", "姓名", "客户名称", "名称"),
        ),
        Field("name_zh", TEXT, False, 200, ("chinesename", "namezh", "中文名", "中文姓名")),
        Field("email", EMAIL, False, 254, ("mail", "emailaddress", "邮箱", "电子邮件")),
        Field(
            "phone", TEXT, False, 40, ("mobile", "telephone", "tel", "phonenumber", "手机", "电话")
        ),
        Field(
            "birthday", DATE, False, None, ("dateofbirth", "dob", "birthdate", "生日", "出生日期")
        ),
        Field("gender", TEXT, False, 20, ("sex", "性别")),
        Field("city", TEXT, False, 100, ("城市",)),
        Field("region", TEXT, False, 100, ("state", "province", "省份", "地区")),
        Field("country", TEXT, False, 60, ("国家",)),
        Field("language", TEXT, False, 10, ("lang", "语言")),
        Field(
            "acquired_at",
            DATE,
            False,
            None,
            ("since", "joined", "joinedat", "signupdate", "firstseen", "注册日期"),
        ),
        Field("acquisition_channel", TEXT, False, 60, ("source", "channel", "获客渠道")),
        Field("consent_email", BOOL, False, None, ("emailconsent", "emailoptin")),
        Field("consent_sms", BOOL, False, None, ("smsconsent", "smsoptin")),
        Field("consent_phone", BOOL, False, None, ("phoneconsent",)),
        Field("consent_analytics", BOOL, False, None, ("analyticsconsent",)),
        _unit_ref(),
    ),
    id_field="customer_id",
    unique=("customer_id",),
    mutable=True,
    customer_ref=False,
    extra_to_attributes=True,
    description="one row per customer; columns that match no field are kept as attributes",
)

ORDERS = Kind(
    "orders",
    "orders",
    (
        Field(
            "order_id",
            TEXT,
            False,
            128,
            (
                "order",
                "orderid",
                "orderno",
                "ordernumber",
                "stayid",
                "transactionid",
                "订单号",
                "订单编号",
            ),
        ),
        _customer_ref(),
        _unit_ref(),
        Field(
            "ordered_at",
            DATETIME,
            True,
            None,
            (
                "date",
                "orderdate",
                "ordertime",
                "purchasedate",
                "purchasedat",
                "timestamp",
                "time",
                "下单时间",
                "订单日期",
                "日期",
            ),
        ),
        Field(
            "amount",
            FLOAT,
            True,
            None,
            ("total", "revenue", "sales", "value", "spend", "金额", "订单金额"),
        ),
        Field("cost", FLOAT, False, None, ("成本",)),
        Field("discount", FLOAT, False, None, ("折扣",)),
        Field("quantity", FLOAT, False, None, ("qty", "units", "数量")),
        Field("channel", TEXT, False, 40, ("渠道",)),
        Field("location", TEXT, False, 100, ("store", "shop", "hotel", "门店")),
        Field("status", TEXT, False, 20, ("状态",)),
    ),
    id_field="order_id",
    identity=("customer_id", "ordered_at", "amount", "quantity", "discount", "channel", "location"),
    description="one row per order (or stay); without order_id rows are keyed by their content",
)

ORDER_LINES = Kind(
    "order-lines",
    "order_lines",
    (
        Field(
            "order_id", TEXT, True, 128, ("order", "orderid", "orderno", "ordernumber", "订单号")
        ),
        Field("line_no", INT, False, None, ("line", "linenumber", "lineno", "position", "行号")),
        Field("product", TEXT, False, 200, ("sku", "item", "productname", "商品")),
        Field("category", TEXT, False, 100, ("productcategory", "类别")),
        Field("quantity", FLOAT, False, None, ("qty", "units", "数量")),
        Field("amount", FLOAT, False, None, ("total", "revenue", "value", "金额")),
        Field("cost", FLOAT, False, None, ("成本",)),
        Field("discount", FLOAT, False, None, ("折扣",)),
    ),
    unique=("order_id", "line_no"),
    customer_ref=False,
    description="one row per product on an order; the order must be imported first",
)

INTERACTIONS = Kind(
    "interactions",
    "interactions",
    (
        Field("interaction_id", TEXT, False, 128, ("interaction", "contactid", "ticketid", "id")),
        _customer_ref(),
        _unit_ref(),
        Field(
            "occurred_at",
            DATETIME,
            True,
            None,
            ("date", "time", "timestamp", "contactedat", "时间"),
        ),
        Field("channel", TEXT, False, 40, ("渠道",)),
        Field("kind", TEXT, False, 60, ("type", "reason", "类型")),
        Field("is_service", BOOL, False, None, ("service", "isservicerequest")),
        Field(
            "summary", TEXT, False, None, ("note", "notes", "text", "description", "摘要", "内容")
        ),
        Field("staff", TEXT, False, 100, ("agent", "employee", "员工")),
    ),
    id_field="interaction_id",
    identity=("customer_id", "occurred_at", "channel", "kind", "summary", "staff"),
    description="one row per contact at a touchpoint",
)

COMPLAINTS = Kind(
    "complaints",
    "complaints",
    (
        Field("complaint_id", TEXT, False, 128, ("complaint", "caseid", "ticketid", "投诉编号")),
        _customer_ref(),
        _unit_ref(),
        Field(
            "opened_at",
            DATETIME,
            True,
            None,
            ("date", "datereceived", "received", "openedon", "投诉时间"),
        ),
        Field("channel", TEXT, False, 40, ("submittedvia", "渠道")),
        Field("category", TEXT, False, 100, ("issue", "product", "类别")),
        Field("severity", TEXT, False, 20, ("priority", "严重程度"), SEVERITIES),
        Field("status", TEXT, False, 20, ("state", "状态"), COMPLAINT_STATUSES),
        Field("description", TEXT, False, None, ("text", "narrative", "complaint", "描述")),
        Field("assigned_to", TEXT, False, 100, ("agent", "owner", "处理人")),
        Field("sla_due_at", DATETIME, False, None, ("due", "dueat", "sladue")),
        Field("escalation_level", INT, False, None, ("escalation",)),
        Field("resolved_at", DATETIME, False, None, ("closedat", "resolvedon", "解决时间")),
        Field("resolution", TEXT, False, None, ("companyresponse", "处理结果")),
        Field("outcome", TEXT, False, 40, ()),
    ),
    id_field="complaint_id",
    identity=("customer_id", "opened_at", "channel", "category", "description"),
    mutable=True,
    description="one row per complaint; a re-import updates status, resolution and outcome",
)

RESPONSES = Kind(
    "responses",
    "survey_responses",
    (
        Field("response_id", TEXT, True, 128, ("response", "submissionid", "answerid")),
        Field("survey_code", TEXT, False, 100, ("survey", "surveyid", "问卷")),
        _customer_ref(required=False),
        _unit_ref(),
        Field(
            "responded_at",
            DATETIME,
            True,
            None,
            ("date", "time", "timestamp", "submittedat", "答卷时间"),
        ),
        Field("item_code", TEXT, True, 60, ("item", "question", "questioncode", "题目")),
        Field("value", FLOAT, False, None, ("score", "answer", "rating", "得分")),
        Field("text_value", TEXT, False, None, ("comment", "text", "评论")),
        Field("source", TEXT, False, 40, ("channel",)),
    ),
    unique=("response_id", "item_code"),
    description="one row per answer (response_id groups the answers of one submission)",
)

PREFERENCES = Kind(
    "preferences",
    "preferences",
    (
        _customer_ref(),
        Field("key", TEXT, True, 100, ("preference", "topic", "偏好")),
        Field("value", TEXT, True, 500, ("choice", "偏好值")),
        Field("observed_at", DATETIME, False, None, ("date", "observed", "记录时间")),
        Field("source", TEXT, False, 100, ("channel", "来源")),
    ),
    unique=("customer_id", "key", "value"),
    description="one row per observed preference (breakfast: sandwich, coffee, egg)",
)

IMPORTANT_DATES = Kind(
    "important-dates",
    "important_dates",
    (
        _customer_ref(),
        Field("kind", TEXT, True, 50, ("type", "occasion", "类型")),
        Field("date", DATE, True, None, ("day", "日期")),
        Field("label", TEXT, False, 200, ("name", "description", "说明")),
        Field("recurring", BOOL, False, None, ("yearly", "annual")),
    ),
    unique=("customer_id", "kind", "date"),
    description="one row per date that matters to a customer (birthday, anniversary)",
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        CUSTOMERS,
        ORDERS,
        ORDER_LINES,
        INTERACTIONS,
        COMPLAINTS,
        RESPONSES,
        PREFERENCES,
        IMPORTANT_DATES,
    )
}


def normalize_name(name: str) -> str:
    """A header as matched against fields: lower case, letters, digits and CJK only."""
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", str(name).lower())


def get_kind(name: str) -> Kind:
    """The kind called ``name`` (``order_lines`` and ``order-lines`` both work)."""
    key = str(name).strip().lower().replace("_", "-")
    if key not in KINDS:
        raise InputError(
            _("unknown kind {kind}: use one of {kinds}").format(kind=name, kinds=", ".join(KINDS))
        )
    return KINDS[key]
