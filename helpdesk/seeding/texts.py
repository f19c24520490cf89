"""Sample texts for demo data, in the languages of our first users (Yiddish is right-to-left)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    name: str
    weight: int
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    subjects: tuple[str, ...]
    bodies: tuple[str, ...]
    replies: tuple[str, ...]


LANGUAGES: dict[str, Language] = {
    "en": Language(
        "English",
        50,
        ("Alice", "Brian", "Chloe", "David", "Emma", "Frank", "Grace", "Henry", "Isla", "Jack"),
        ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Hall", "Green"),
        (
            "Cannot log in to my account",
            "Order {n} has not arrived",
            "Refund for a double charge",
            "How do I export my invoices?",
            "The app crashes when I upload a photo",
            "Question about the annual plan",
            "Password reset email never came",
            "Wrong item delivered",
            "Feature request: dark mode",
            "Complaint about a late delivery",
        ),
        (
            "Hello, I tried several times since yesterday and it still does not work. Can you help?",
            "Hi team, my order {n} was due last week and the tracking page has not changed since.",
            "I was charged twice this month. Please refund the second payment.",
            "Could you tell me where to find this in the settings? I looked everywhere.",
        ),
        (
            "Thanks for reaching out! I have looked into it and fixed the problem on our side.",
            "Sorry for the trouble. I have sent a replacement; you will get a tracking number today.",
            "I have refunded the duplicate charge. It will show on your statement in 3–5 days.",
        ),
    ),
    "tl": Language(
        "Tagalog",
        10,
        ("Jose", "Maria", "Juan", "Ligaya", "Andres", "Rosa", "Paolo", "Luz"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Dela Cruz"),
        (
            "Hindi ako makapag-login sa aking account",
            "Hindi pa dumarating ang order {n}",
            "Paano ko makukuha ang refund?",
            "May problema sa aking bayad",
        ),
        (
            "Magandang araw po. Sinubukan ko nang ilang beses pero hindi pa rin gumagana.",
            "Kumusta po, hindi pa dumarating ang order ko. Pakitingnan po ninyo.",
        ),
        ("Salamat po sa inyong mensahe. Naayos na po namin ang problema.",),
    ),
    "zh": Language(
        "Chinese",
        10,
        ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"),
        ("王", "李", "张", "刘", "陈", "杨", "黄", "赵"),
        ("无法登录我的账户", "订单 {n} 还没有到", "重复扣款，请退款", "如何导出发票？"),
        ("你好，我从昨天开始一直无法登录，请帮帮我。", "我的订单已经过了预计送达时间，物流信息没有更新。"),
        ("感谢您的来信，我们已经解决了这个问题。",),
    ),
    "hy": Language(
        "Armenian",
        10,
        ("Արամ", "Անի", "Դավիթ", "Նարե", "Տիգրան", "Լուսինե"),
        ("Սարգսյան", "Հակոբյան", "Գրիգորյան", "Պետրոսյան", "Խաչատրյան"),
        ("Չեմ կարողանում մուտք գործել", "Պատվեր {n}-ը դեռ չի ստացվել", "Գումարի վերադարձ"),
        ("Բարև Ձեզ, երեկվանից փորձում եմ, բայց չի ստացվում։ Խնդրում եմ օգնել։",),
        ("Շնորհակալություն Ձեր նամակի համար, խնդիրը լուծված է։",),
    ),
    "ta": Language(
        "Tamil",
        10,
        ("அருண்", "பிரியா", "கார்த்திக்", "மீனா", "சுரேஷ்", "லக்ஷ்மி"),
        ("குமார்", "ராஜா", "சுப்பிரமணியம்", "நடராஜன்", "கிருஷ்ணன்"),
        ("என் கணக்கில் உள்நுழைய முடியவில்லை", "ஆர்டர் {n} இன்னும் வரவில்லை", "பணத்தைத் திருப்பித் தர வேண்டும்"),
        ("வணக்கம், நேற்றிலிருந்து முயற்சி செய்கிறேன், ஆனால் வேலை செய்யவில்லை. உதவுங்கள்.",),
        ("உங்கள் செய்திக்கு நன்றி. சிக்கலைச் சரிசெய்துவிட்டோம்.",),
    ),
    "yi": Language(
        "Yiddish",
        10,
        ("משה", "רחל", "יעקב", "שרה", "דוד", "לאה"),
        ("כהן", "לוי", "גאָלדבערג", "שוואַרץ", "ווײַס"),
        ("איך קען נישט אַרײַנלאָגירן", "באַשטעלונג {n} איז נאָך נישט אָנגעקומען", "צוריקצאָלן דאָס געלט"),
        ("שלום, איך פּרוּוו שוין זינט נעכטן און עס אַרבעט נאָך אַלץ נישט. ביטע העלפֿט מיר.",),
        ("אַ דאַנק פֿאַר אײַער בריוו. מיר האָבן פֿאַרריכט די פּראָבלעם.",),
    ),
}

RTL_LANGUAGES = frozenset({"yi", "he", "ar", "fa", "ur"})
