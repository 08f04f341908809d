"""Chrome phrases as data, grouped by purpose (the removal reason) and language.

Nothing here is keyed to a site: every entry is a phrase that sites of many kinds
use for the same piece of furniture. Lines are compared after `rules.fold_for_matching`
(casefolded, bullets, icons and trailing colons or arrows stripped, spaces folded).

Three shapes of entry:
- ``EXACT``: the whole folded line is the phrase ("share post", "subscribe").
- ``PREFIX``: the line starts with the phrase and goes on ("also read: ...").
- ``SEARCH``: a regular expression found anywhere in a line; kept specific, since
  it can hit a long line ("we use cookies to ..."). Only whether it is found
  counts. "A, then B later on the line" is written ``A(?:(?!A).)*B``, not
  ``A.*B``: each A then scans only as far as the next A, where ``A.*B`` rescanned
  the rest of a long line from every A (quadratic); both find the same lines.
"""

from __future__ import annotations

EXACT: dict[str, tuple[str, ...]] = {
    "share-widget": (
        # English
        "share", "share post", "share this", "share this post", "share this article",
        "share this story", "share article", "share on facebook", "share on twitter",
        "share on linkedin", "share on whatsapp", "share via email", "share via", "shares",
        "tweet", "facebook", "twitter", "x", "linkedin", "whatsapp", "pinterest", "reddit",
        "telegram", "tumblr", "email", "e-mail", "mail", "copy link", "copy url", "link copied",
        "print", "print this", "print article", "print this article", "reprint", "reprints",
        "save", "save article", "save for later", "bookmark", "flipboard", "messenger",
        "youtube", "instagram", "tiktok", "rss", "rss feed", "comment", "gift this article",
        "ブックマーク", "保存", "収藏", "收藏", "merken", "guardar", "sauvegarder", "сохранить",
        # other languages
        "teilen", "artikel teilen", "drucken", "compartir", "compartir en facebook", "imprimir",
        "partager", "imprimer", "condividi", "stampa", "поделиться", "печать", "シェア",
        "ツイート", "印刷", "分享", "打印", "مشاركة", "شارك", "طباعة", "paylaş", "udostępnij",
        "فيسبوك", "تويتر", "واتساب", "تيليجرام", "انسخ الرابط",
        "delen", "dela", "compartilhar", "partilhar",
    ),
    "subscribe": (
        "subscribe", "subscribe now", "subscribe today", "subscribe here", "sign up", "sign in",
        "log in", "login", "log out", "register", "create account", "my account", "join now",
        "get the app", "download the app", "abonnieren", "jetzt abonnieren", "anmelden",
        "suscríbete", "suscribirse", "suscribete", "iniciar sesión", "s'abonner", "abonnez-vous",
        "se connecter", "abbonati", "подписаться", "войти", "登録", "ログイン", "購読", "订阅",
        "登录", "اشترك", "تسجيل الدخول", "assine", "entrar",
    ),
    "newsletter": (
        "newsletter", "newsletters", "sign up for our newsletter", "subscribe to our newsletter",
        "get our newsletter", "enter your email", "enter your email address", "your email",
        "email address", "thanks for signing up", "thank you for signing up",
        "thank you for subscribing", "thanks for subscribing", "you're all set",
        "newsletter abonnieren", "boletín", "suscríbete a nuestro boletín", "рассылка",
        "メールマガジン", "النشرة البريدية", "اشترك في النشرة البريدية", "بريدك الإلكتروني",
        "أدخل بريدك الإلكتروني", "البريد الإلكتروني",
    ),
    "comment-form": (
        "leave a reply", "leave a comment", "post a comment", "add a comment", "add comment",
        "post comment", "submit comment", "submit", "cancel reply", "reply", "report",
        "quote", "please enter your comment", "please enter your comment!",
        "please enter your name here", "you have entered an incorrect email address",
        "you have entered an incorrect email address!", "name", "name*", "email*", "website",
        "comments", "comment", "show comments", "view comments", "load comments",
        "top rated comments", "top comments", "reader comments", "featured comments",
        "latest comments", "view all comments", "most liked comments", "best comments",
        "join the conversation", "join the discussion", "discussion", "responses",
        "kommentare", "kommentar schreiben", "comentarios", "deja un comentario",
        "deja una respuesta", "commentaires", "laisser un commentaire", "commenti",
        "комментарии", "оставить комментарий", "コメント", "评论", "التعليقات",
    ),
    "related-list": (
        "related", "related articles", "related posts", "related stories", "related news",
        "related content", "related topics", "popular", "popular posts", "popular stories",
        "most popular", "most read", "most viewed", "most shared", "trending", "trending now",
        "trending stories", "more like this", "you may also like", "you might also like",
        "you may be interested in", "recommended", "recommended for you", "recommended stories",
        "read next", "up next", "what to read next", "more stories", "more news",
        "more from", "latest", "latest news", "latest stories", "latest posts", "top stories",
        "editor's picks", "editors' picks", "don't miss", "must read", "in case you missed it",
        "more in", "also on", "around the web", "from the web", "promoted stories",
        "mehr zum thema", "das könnte sie auch interessieren", "meistgelesen", "weitere artikel",
        "ähnliche artikel", "más noticias", "te puede interesar", "lo más leído",
        "noticias relacionadas", "artículos relacionados", "à lire aussi", "articles similaires",
        "популярное", "похожие статьи", "другие новости", "самое читаемое", "関連記事",
        "人気記事", "おすすめ記事", "相关文章", "相关新闻", "热门文章", "أخبار ذات صلة",
        "الأكثر قراءة", "مقالات ذات صلة",
    ),
    "source-link": ("source link", "source", "view source", "original article"),
    "template-junk": (
        "spot_imgspot_img", "spot_img", "loading", "loading...", "please wait",
        "javascript is disabled", "please enable javascript", "undefined", "null",
        "[object object]",
    ),
    "navigation": (
        "home", "menu", "main menu", "search", "close", "open menu", "close menu",
        "toggle navigation", "skip to content", "skip to main content", "skip to navigation",
        "back to top", "scroll to top", "next", "previous", "next article",
        "previous article", "next post", "previous post", "older posts", "newer posts",
        "all news", "sections", "explore", "startseite", "inicio", "accueil", "главная",
        "ホーム", "首页", "الرئيسية", "menü", "suche", "buscar", "поиск", "検索", "搜索",
        "القائمة", "بحث", "تخطى إلى المحتوى", "انتقل إلى المحتوى",
    ),
    "site-chrome": (
        "advertisement", "advertisements", "ad", "ads", "sponsored", "sponsors", "sponsor",
        "sponsored content", "paid content", "partner content", "anzeige", "werbung",
        "publicidad", "publicité", "pubblicità", "реклама", "広告", "广告", "إعلان",
        "privacy policy", "privacy", "terms of use", "terms of service", "terms and conditions",
        "contact", "contact us", "about", "about us", "advertise", "advertise with us",
        "careers", "sitemap", "accessibility", "impressum", "datenschutz", "kontakt",
        "aviso legal", "política de privacidad", "contacto", "mentions légales",
        "check price", "see price", "view deal", "buy now", "shop now", "see deal",
        "date", "author", "tags", "topics", "filed under", "categories", "category",
        "من نحن", "اتصل بنا", "سياسة الخصوصية", "شروط الاستخدام", "أعلن معنا", "الوسوم",
    ),
    "caption": ("enlarge", "view gallery", "open gallery", "expand", "fullscreen",
                "caption", "back to gallery", "close gallery", "start slideshow"),
}

PREFIX: dict[str, tuple[str, ...]] = {
    "also-read": (
        "also read", "read also", "see also", "read more", "read next", "related:",
        "related coverage", "more:", "lesen sie auch", "lesen sie mehr", "mehr dazu",
        "lee también", "lea también", "leer más", "ver también", "lire aussi",
        "à lire aussi", "a lire aussi", "leggi anche", "читайте также", "смотрите также",
        "читать также", "あわせて読みたい", "関連:", "延伸阅读", "相关阅读", "اقرأ أيضا",
        "اقرأ أيضاً", "اقرأ ايضا", "leia também", "leia mais",
    ),
    "source-link": (
        "originally published", "this article originally appeared",
        "this story originally appeared", "this article was originally published",
        "this story was originally published", "source link",
    ),
    "comment-form": (
        "your email address will not be published", "required fields are marked",
        "save my name, email, and website", "save my name email and website",
        "you must be logged in to post a comment", "log in to comment",
        "comments are closed", "ihre e-mail-adresse wird nicht veröffentlicht",
        "tu dirección de correo electrónico no será publicada",
    ),
    "caption": (
        "photo:", "photo by", "photos:", "image:", "image credit", "picture:", "credit:",
        "photograph:", "photo credit", "pictured:", "foto:", "fotos:", "bild:", "фото:",
        "写真:", "写真：", "图片:", "صورة:", "©", "(c)",
    ),
    "site-chrome": ("copyright", "all rights reserved", "© copyright", "الوسوم:",
                    "كلمات مفتاحية:"),
    "dateline": (
        "published:", "published on", "updated:", "updated on", "last updated", "posted on",
        "posted:", "veröffentlicht", "aktualisiert", "publicado", "actualizado", "publié le",
        "mis à jour", "опубликовано", "обновлено", "公開日", "更新日", "发布时间",
    ),
}

SEARCH: dict[str, tuple[str, ...]] = {
    "cookie-notice": (
        r"\bwe use cookies\b", r"\buses cookies\b",
        r"\bthis (?:web)?site uses\b(?:(?!\bthis (?:web)?site uses\b).)*\bcookies\b",
        r"\bcookies?\b(?:(?!\bcookies?\b).)*"
        r"\b(consent|accept|agree|settings|preferences|policy)\b",
        r"\b(accept|reject|allow) all( cookies)?\b", r"\bmanage (cookie )?preferences\b",
        r"\bby continuing to (use|browse)\b", r"\bwir verwenden cookies\b",
        r"\butilizamos cookies\b", r"\busamos cookies\b", r"\bnous utilisons des cookies\b",
        r"\bиспользуем (файлы )?cookie", r"クッキー", r"cookie(?:(?!cookie).)*(同意|使用)",
    ),
    "newsletter": (
        r"\bsign up for (our|the) .{0,40}newsletter\b",
        r"\bsubscribe to (our|the) .{0,40}newsletter",
        r"\bnewsletter\b(?:(?!\bnewsletter\b).)*\b(sign up|subscribe|inbox|email)\b",
        r"\b(get|delivered)\b.{0,40}\b(to|in) your inbox\b",
        r"\bthanks? (you )?for (signing up|subscribing)\b", r"\bby signing up,? you agree\b",
        r"\bnewsletter abonnieren\b", r"\bsuscr[ií]bete a (nuestro|nuestra)\b",
        r"\bподпишитесь на (нашу )?рассылку\b",
        # Arabic: "... in your (e-mail) inbox" ("في بريدك الإلكتروني")
        r"(في|إلى) بريدك\b",
    ),
    "site-chrome": (
        # affiliate and sponsorship disclosures
        r"\baffiliate (links?|commissions?|partners?)\b",
        r"\bwe may (earn|receive) (a |an )?(small )?(affiliate )?commission\b",
        # legal boilerplate in page footers
        r"\b(are|is a|is) (registered )?trademarks? of\b",
        r"\bnot been evaluated by the food and drug administration\b",
        # author bios closing an article
        r"\b(reach|contact|email) (him|her|them|me) at\b", r"\bcan be reached at\b",
        r"\bfollow (him|her|them|me|us) on (twitter|x|instagram|facebook|bluesky)\b",
    ),
    "comments": (
        # a comment's author line ("jdoe42 says:", "Maria Lopez wrote:")
        r"^[\w.'’\- ]{1,40} (says|said|wrote|writes|replied)( on .{1,40})?:$",
        # ... with the date first ("Maria Lopez on May 3, 2018 at 6:15 pm said:")
        r"^[\w.'’()\- ]{1,40} on [^:]{3,30}\b(19|20)\d\d(,? at \d{1,2}:\d\d( ?[ap]\.?m\.?)?)?"
        r" (says|said|wrote|writes|replied):$",
    ),
    "template-junk": (
        r"spot_img", r"\{\{(?:(?!\{\{).)*\}\}", r"\[\[(?:(?!\[\[).)*\]\]",
        r"\bundefined\b.*\bundefined\b",  # linear: a second "undefined" ends every try
    ),
    "comment-form": (
        r"^\d+\s+(comments?|responses?|replies|thoughts on)\b",
        r"^(one|two|three|\d+) (thoughts?|responses?|comments?) (on|to)\b",
        r"^\d+\s+(kommentare?|comentarios?|commentaires?|комментари[йяев]+)$",
    ),
    "navigation": (
        r"^page \d+ (of|/) \d+$", r"^(seite|página|page|страница) \d+ (von|de|sur|из) \d+$",
    ),
    "caption": (r"^(view|open|see) (the )?(full )?(gallery|slideshow|all \d+ (images|photos))",
                r"^(image|photo|slide|picture|bild|foto)\s+\d+\s+(of|von|de|/)(\s*/)?\s+\d+$",
                r"^\d+\s*(of|/)\s*\d+$",
                # a gallery counter glued to its caption ("3of8A fisherman mends ...")
                r"^\d+of\d+(?!\d)",
                # a caption that ends with its credit ("... in June (Image: Getty)")
                r"\((image|photo|picture|pic|credit|foto|bild|imagem|imagen|фото)s?:"
                r" ?[^()]{1,60}\)$",
                r"\[(file|photo|image|foto|bild): ?[^\[\]]{1,40}\]$"),
    "share-widget": (
        r"^share (this )?(on|via|to) ",
        r"^click to (share|email|print|tweet)\b",
        r"^(email|e-mail|print|share|save|tweet|send) this (article|story|post|page)$",
        # reaction counts ("12 likes", "2 members thanked this post")
        r"^\d[\d,.]*k? (likes?|views?|shares?|reactions?|upvotes?|points?|votes?)$",
        r"^\d+ (members?|people|users?|readers?) (liked|thanked|found|like)\b",
        r"\b(tag|follow|mention) (us |me )?@\w+",
        r"^(facebook|twitter|linkedin|whatsapp|email)(\s*[|·•]\s*\w+)+$",
    ),
}

#: Reasons whose header line ends the article when it comes after the body:
#: what follows a "Related" or "Leave a reply" line is not the story any more.
SECTION_END_REASONS: frozenset[str] = frozenset(
    {"comment-form", "comments", "related-list", "source-link"}
)

#: Phrases of those reasons that repeat between posts or form fields and so do not
#: end the article on their own (a forum has "Reply" under every post).
WEAK_SECTION_MARKERS: frozenset[str] = frozenset(
    {"reply", "quote", "report", "submit", "name", "name*", "email*", "website", "comment",
     "source", "view source"}
)

#: A copyright or rights notice (searched in the casefolded line): a page prints one
#: under the story, so the story is over where one appears. A bare credit
#: ("© Reuters") is a caption and does not match: it needs a year or the rights phrase.
RIGHTS_NOTICES: tuple[str, ...] = (
    r"^(©|\(c\)|copyright)\D{0,30}\b(19|20)\d\d\b", r"\ball rights? reserved\b",
    r"\btodos los derechos reservados\b", r"\balle rechte vorbehalten\b",
    r"\btous droits réservés\b", r"\bdireitos reservados\b", r"\btutti i diritti riservati\b",
    r"\bвсе права защищены\b", r"無断転載", r"版权所有", r"جميع الحقوق محفوظة",
)

#: Small particle lists for scripts that jusText has no stop-word list for; used
#: as a stop-word density for unspaced text. Chosen as the most frequent
#: function characters in running text of each language.
CJK_PARTICLES: dict[str, frozenset[str]] = {
    "Japanese": frozenset("のにはをたがでてとしもなかるれらこそだすまいっ"),
    "Chinese": frozenset("的了是在和有我他这中也就人不为以对上到说们个地之与而"),
}
