# ruff: noqa: E501 - translations are kept one sentence per line
# ruff: noqa: RUF001 - translations use their scripts' own letters and punctuation
"""Our automatic emails in the customer's language: English and the languages of the demo data
(helpdesk/seeding/texts.py); anything else falls back to English."""

ACKNOWLEDGEMENT: dict[str, tuple[str, str]] = {
    "en": (
        "We received your request",
        "Hello {name},\n\nthank you for your message. We have opened request {reference} and will answer"
        " soon. To add anything, just reply to this email.\n\n{helpdesk}",
    ),
    "zh": (
        "我们已收到您的请求",
        "{name}，您好：\n\n感谢您的来信。我们已创建请求 {reference}，会尽快答复。"
        "如需补充，请直接回复此邮件。\n\n{helpdesk}",
    ),
    "tl": (
        "Natanggap namin ang iyong kahilingan",
        "Kumusta {name},\n\nsalamat sa iyong mensahe. Binuksan namin ang kahilingang {reference} at sasagot"
        " kami sa lalong madaling panahon. Para magdagdag, sumagot lang sa email na ito.\n\n{helpdesk}",
    ),
    "hy": (
        "Մենք ստացել ենք ձեր հարցումը",
        "Բարև {name},\n\nշնորհակալություն ձեր նամակի համար։ Մենք բացել ենք {reference} հարցումը և շուտով"
        " կպատասխանենք։ Որևէ բան ավելացնելու համար պարզապես պատասխանեք այս նամակին։\n\n{helpdesk}",
    ),
    "ta": (
        "உங்கள் கோரிக்கையைப் பெற்றோம்",
        "வணக்கம் {name},\n\nஉங்கள் செய்திக்கு நன்றி. {reference} என்ற கோரிக்கையைத் திறந்துள்ளோம், விரைவில்"
        " பதிலளிப்போம். ஏதேனும் சேர்க்க, இந்த மின்னஞ்சலுக்குப் பதிலளிக்கவும்.\n\n{helpdesk}",
    ),
    "yi": (
        "מיר האָבן באַקומען אײַער בקשה",
        "שלום {name},\n\nא דאַנק פֿאַר אײַער בריוו. מיר האָבן געעפֿנט די בקשה {reference} און וועלן באַלד"
        " ענטפֿערן. כּדי צוצוגעבן עפּעס, ענטפֿערט פּשוט אויף דעם בליצבריוו.\n\n{helpdesk}",
    ),
}


def language_of(*candidates: str) -> str:
    """The first candidate (a tag such as "zh-CN" or "ta") we have texts for, else "en"."""
    for candidate in candidates:
        code = (candidate or "").strip().lower().replace("_", "-").split("-")[0]
        if code in ACKNOWLEDGEMENT and code in FOLLOWUP:
            return code
    return "en"


# A thank-you after a ticket is solved; {link} is the rating page.
FOLLOWUP: dict[str, tuple[str, str]] = {
    "en": (
        "How did we do?",
        "Hello {name},\n\nyour request {reference} is solved. How happy are you with our help? Rate it from"
        " 1 to 5 here (no sign-in needed):\n{link}\n\nThank you,\n{helpdesk}",
    ),
    "zh": (
        "我们的服务如何？",
        "{name}，您好：\n\n您的请求 {reference} 已解决。您对我们的帮助满意吗？请在此打分（1 到 5，无需登录）：\n"
        "{link}\n\n谢谢！\n{helpdesk}",
    ),
    "tl": (
        "Kumusta ang aming serbisyo?",
        "Kumusta {name},\n\nnalutas na ang iyong kahilingang {reference}. Gaano ka nasiyahan sa aming tulong?"
        " Bigyan ito ng marka mula 1 hanggang 5 dito (hindi kailangang mag-sign in):\n{link}\n\nSalamat,\n{helpdesk}",
    ),
    "hy": (
        "Ինչպե՞ս աշխատեցինք",
        "Բարև {name},\n\nձեր {reference} հարցումը լուծված է։ Որքանո՞վ եք գոհ մեր օգնությունից։ Գնահատեք 1-ից 5"
        " այստեղ (մուտք գործել պետք չէ)՝\n{link}\n\nՇնորհակալություն,\n{helpdesk}",
    ),
    "ta": (
        "எங்கள் சேவை எப்படி இருந்தது?",
        "வணக்கம் {name},\n\nஉங்கள் கோரிக்கை {reference} தீர்க்கப்பட்டது. எங்கள் உதவியில் எவ்வளவு திருப்தி?"
        " 1 முதல் 5 வரை இங்கே மதிப்பிடுங்கள் (உள்நுழைவு தேவையில்லை):\n{link}\n\nநன்றி,\n{helpdesk}",
    ),
    "yi": (
        "ווי אַזוי האָבן מיר געאַרבעט?",
        "שלום {name},\n\nאײַער בקשה {reference} איז געלייזט. ווי צופֿרידן זענט איר מיט אונדזער הילף? גיט אַ"
        " צייכן פֿון 1 ביז 5 דאָ (מע דאַרף זיך נישט אײַנשרײַבן):\n{link}\n\nא דאַנק,\n{helpdesk}",
    ),
}
