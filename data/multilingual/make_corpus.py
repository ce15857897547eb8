"""Build ``data/multilingual/corpus.jsonl`` and ``truth.jsonl`` from the texts below.

The articles are original texts written for textwash's tests (places and people are made
up). Per language: an article (``orig``), a near copy with a few edited characters or words
(``near``), the article wrapped in that language's web chrome (``chrome``: breadcrumb, share
bars, editor line, follow / app prompt, related list, comment heading, copyright footer) and
a different article on the same topic (``other``). ``truth.jsonl`` records per document its
language, kind, the article it copies, the article's last body sentence, and the exact
Jaccard with the article of character 5-grams (``jc5``) and of the pipeline's 5-token
shingles (``j5``: character 5-grams in Chinese, Japanese and Thai, word 5-grams elsewhere).

    PYTHONPATH=. python data/multilingual/make_corpus.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from transforms.minhash import shingles  # noqa: E402
from transforms.normalize import ftfy_config, normalize_text  # noqa: E402

# lang -> title, body paragraphs, edits for the near copy [(old, new)], chrome above / below
# the article, the other article (title, paragraphs)
ARTICLES = {
    "zh": {
        "title": "市图书馆新馆正式向公众开放",
        "body": [
            "本市新建的中心图书馆于周六上午正式向公众开放，首日接待读者超过八千人次。新馆位于滨江公园北侧，"
            "总建筑面积约三万平方米，设有儿童阅览区、古籍修复室和二十四小时自助借还区。",
            "图书馆馆长李华在开馆仪式上表示，新馆藏书量将在三年内达到一百五十万册，并将每周举办免费的讲座和"
            "阅读活动。不少市民一早就在门口排队，一位带着孩子的母亲说，这里的环境比旧馆宽敞明亮得多。",
            "据介绍，旧馆将改造为社区文化中心，预计明年春季完工。市文化局还计划在五个新区各建一座分馆，"
            "让更多居民在家门口就能借到书。",
        ],
        "edits": [("八千", "九千"), ("周六", "周日"), ("五个新区", "六个新区")],
        "above": ["首页 > 国际新闻 > 正文", "2024-05-18 10:32 来源：滨江日报", "分享到：微信 微博 QQ空间"],
        "below": ["责任编辑：王小明", "分享到：微信 微博 QQ空间", "扫一扫 关注我们", "下载客户端，随时随地看新闻",
                  "相关新闻", "旧馆改造方案公布 市民可提意见", "滨江公园夜间开放时间延长", "今年全市新增三十家社区书屋",
                  "网友评论（0）", "版权所有 © 2024 滨江日报社 保留所有权利", "京ICP备12345678号"],
        "other": ("市中心图书馆新馆周末开门迎客", [
            "经过四年建设，位于滨江公园旁的市中心图书馆新馆本周末迎来第一批读者。记者在现场看到，馆内的自助借书机"
            "前排起了长队，儿童区里坐满了跟着父母前来的小朋友。",
            "新馆最受关注的是顶层的阅读露台，读者可以一边看书一边欣赏江景。一名大学生告诉记者，他以后周末都打算"
            "来这里复习功课。",
            "馆方提醒，开放初期人流较大，建议读者通过官方小程序提前预约入馆时间。",
        ]),
    },
    "ja": {
        "title": "新しい路面電車、来月から運行開始",
        "body": [
            "緑ヶ丘市は十日、市の中心部と港地区を結ぶ新しい路面電車を来月一日から運行すると発表した。"
            "全長は約六キロで、十二の停留所が設けられる。",
            "車両はすべて低床型で、車いすやベビーカーでも段差なく乗り降りできる。運賃は大人二百円、子ども百円で、"
            "朝夕は八分間隔で運行する予定だ。",
            "市の担当者は「車の渋滞を減らし、港地区のにぎわいを取り戻したい」と話している。"
            "開業初日には記念乗車券も販売される。",
        ],
        "edits": [("十日", "九日"), ("八分間隔", "七分間隔")],
        "above": ["ホーム > 地域 > 記事", "シェアする ツイート LINEで送る", "2024年5月10日 18:05"],
        "below": ["この記事をシェアする", "LINEで友だち追加", "関連記事", "港地区に新しい商業施設",
                  "バス路線の見直し案まとまる", "コメント（0）", "Copyright © 2024 緑ヶ丘新聞社 All rights reserved."],
        "other": ("港地区へ路面電車、住民に期待の声", [
            "来月開業する路面電車について、沿線の住民からは期待の声が上がっている。港地区で喫茶店を営む女性は、"
            "観光客が増えれば店もにぎやかになると笑顔を見せた。",
            "一方で、工事の間は道路が狭くなり、配達の車が止めにくかったという声もある。市は開業後も利用者の"
            "意見を聞きながらダイヤを調整するとしている。",
            "試運転は今週から始まり、白と青の車両が町の中をゆっくりと走っている。",
        ]),
    },
    "th": {
        "title": "ตลาดน้ำริมคลองเปิดให้บริการอีกครั้ง",
        "body": [
            "ตลาดน้ำริมคลองบางใหญ่กลับมาเปิดให้บริการอีกครั้งในวันเสาร์ที่ผ่านมา หลังจากปิดปรับปรุงนานกว่าหนึ่งปี "
            "ผู้ค้ากว่าแปดสิบรายนำผลไม้ ขนมไทย และอาหารพื้นบ้านมาขายบนเรือ",
            "นายกเทศมนตรีกล่าวว่า การปรับปรุงครั้งนี้ได้ขุดลอกคลอง ซ่อมทางเดินไม้ และติดตั้งไฟส่องสว่างใหม่ทั้งหมด "
            "เพื่อให้นักท่องเที่ยวเดินชมตลาดได้อย่างปลอดภัยจนถึงช่วงค่ำ",
            "ตลาดจะเปิดทุกวันเสาร์และอาทิตย์ ตั้งแต่เวลาเจ็ดโมงเช้าถึงหกโมงเย็น "
            "ผู้ที่เดินทางมาด้วยรถยนต์สามารถจอดรถได้ที่ลานจอดของวัดใกล้เคียงโดยไม่เสียค่าใช้จ่าย",
        ],
        "edits": [("แปดสิบ", "เก้าสิบ"), ("เจ็ดโมงเช้า", "หกโมงเช้า")],
        "above": ["หน้าแรก > ข่าวท้องถิ่น > ตลาดน้ำ", "แชร์ Facebook Line Twitter"],
        "below": ["แชร์ข่าวนี้", "ข่าวที่เกี่ยวข้อง", "เทศกาลลอยกระทงปีนี้จัดยิ่งใหญ่", "ความคิดเห็น (0)",
                  "© 2024 หนังสือพิมพ์บางใหญ่ สงวนลิขสิทธิ์"],
        "other": ("นักท่องเที่ยวแน่นตลาดน้ำบางใหญ่วันแรก", [
            "บรรยากาศที่ตลาดน้ำบางใหญ่เมื่อวันเสาร์คึกคักตั้งแต่เช้า นักท่องเที่ยวทั้งชาวไทยและชาวต่างชาติ"
            "ต่อคิวลงเรือพายเพื่อชมสองฝั่งคลอง",
            "แม่ค้าขายก๋วยเตี๋ยวเรือคนหนึ่งเล่าว่า ขายหมดตั้งแต่บ่ายสองโมง ซึ่งดีกว่าที่คาดไว้มาก "
            "และหวังว่าลูกค้าจะกลับมาอีกในสุดสัปดาห์หน้า",
            "เจ้าหน้าที่เทศบาลแนะนำให้ผู้มาเที่ยวพกถุงผ้ามาเอง เพราะตลาดงดใช้ถุงพลาสติกแล้ว",
        ]),
    },
    "ru": {
        "title": "В Заречье открылась новая станция метро",
        "body": [
            "В субботу в Заречье открылась новая станция метро «Сосновая», которую строили почти три года. "
            "Она стала двенадцатой станцией городского метрополитена и связала с центром быстро растущий южный район. "
            "По словам мэра, в первый день станцией воспользовались более двадцати тысяч пассажиров.",
            "Платформа станции оформлена в светлых тонах, а на стенах вестибюля размещены мозаики с видами "
            "старого города. Для пассажиров с детскими колясками и на инвалидных креслах установлены лифты. "
            "Рядом со входом построена перехватывающая парковка на четыреста машин.",
            "Жители южного района давно ждали открытия станции: раньше дорога до центра на автобусе занимала "
            "больше часа. Теперь поездка займёт около двадцати минут. В следующем году городские власти "
            "планируют начать строительство ещё двух станций на этой линии.",
        ],
        "edits": [("двадцати тысяч", "тридцати тысяч"), ("четыреста машин", "пятьсот машин")],
        "above": ["Главная > Новости > Город", "Поделиться", "18 мая 2024, 10:32"],
        "below": ["Поделиться", "ВКонтакте Одноклассники Telegram", "Подписывайтесь на нас в Telegram",
                  "Читайте также:", "Мэр пообещал продлить линию метро до аэропорта", "Автобусные маршруты изменятся с июня",
                  "Комментарии (0)", "© 2024 Городские новости Заречья. Все права защищены."],
        "other": ("Пассажиры оценили новую станцию «Сосновая»", [
            "Первые пассажиры новой станции «Сосновая» в целом довольны: поезда ходят часто, а в вестибюле "
            "просторно и светло. Многие приехали в субботу просто посмотреть на мозаики и сфотографироваться.",
            "Впрочем, есть и недовольные. Некоторые жители жалуются, что от ближайших домов до входа приходится идти "
            "минут пятнадцать, а тротуар вдоль шоссе ещё не достроен.",
            "В администрации обещают закончить благоустройство территории вокруг станции до конца лета и пустить "
            "к метро два новых автобусных маршрута.",
        ]),
    },
    "es": {
        "title": "La ciudad estrena veinte kilómetros de carril bici",
        "body": [
            "El ayuntamiento de Valdemora inauguró este lunes veinte kilómetros de nuevos carriles bici que conectan "
            "el centro histórico con la universidad y el polígono industrial. Las obras comenzaron hace dieciocho meses "
            "y han costado algo más de seis millones de euros.",
            "Los carriles están separados del tráfico por bordillos de hormigón y cuentan con semáforos propios en los "
            "cruces más peligrosos. Además, se han instalado cuarenta aparcamientos para bicicletas junto a las paradas "
            "de autobús y las estaciones de tren.",
            "La alcaldesa, Marta Ruiz, explicó que el objetivo es que uno de cada cinco desplazamientos diarios se haga en "
            "bicicleta antes de 2030. Las asociaciones de ciclistas celebraron la noticia, aunque pidieron más "
            "vigilancia para evitar que los coches aparquen sobre el carril.",
        ],
        "edits": [("dieciocho meses", "diecinueve meses"), ("cuarenta aparcamientos", "cincuenta aparcamientos")],
        "above": ["Inicio > Local > Movilidad", "Compartir en Facebook Twitter WhatsApp"],
        "below": ["Compartir en Facebook Twitter WhatsApp", "Síguenos en Instagram", "Noticias relacionadas",
                  "El autobús nocturno amplía su horario", "Nueva ordenanza de terrazas", "Comentarios (0)",
                  "© 2024 Diario de Valdemora. Todos los derechos reservados."],
        "other": ("Ciclistas y comerciantes opinan sobre el nuevo carril bici", [
            "Una semana después de su apertura, el nuevo carril bici de Valdemora divide a los vecinos. Los estudiantes "
            "agradecen poder llegar a la universidad en un cuarto de hora sin jugarse la vida entre los coches.",
            "Algunos comerciantes del centro, en cambio, se quejan de que han perdido plazas de carga y descarga y de que "
            "los repartos ahora se retrasan por las mañanas.",
            "El ayuntamiento ha prometido revisar la señalización en las calles más estrechas y estudiar nuevas zonas "
            "de carga antes del verano.",
        ]),
    },
    "de": {
        "title": "Bahnhof Lindenau nach Umbau wieder geöffnet",
        "body": [
            "Nach zwei Jahren Bauzeit ist der Bahnhof von Lindenau seit Montag wieder vollständig in Betrieb. "
            "Die Bahnsteige wurden erhöht, damit Reisende ohne Stufen in die Züge einsteigen können, und alle Gleise "
            "sind nun über Aufzüge erreichbar.",
            "Auch die alte Empfangshalle aus dem Jahr 1904 wurde saniert. In ihr befinden sich jetzt ein Reisezentrum, "
            "eine Bäckerei und ein überdachter Fahrradparkplatz mit dreihundert Stellplätzen. Die Kosten von rund "
            "vierzehn Millionen Euro teilen sich Bund, Land und Stadt.",
            "Der Bürgermeister sprach bei der Eröffnung von einem wichtigen Tag für die Region. Pendler müssen sich "
            "allerdings noch bis Ende Juni auf einzelne Zugausfälle am Wochenende einstellen, weil an den Signalen "
            "weiter gearbeitet wird.",
        ],
        "edits": [("dreihundert Stellplätzen", "vierhundert Stellplätzen"), ("Ende Juni", "Ende Juli")],
        "above": ["Startseite > Region > Verkehr", "Teilen Facebook Twitter E-Mail"],
        "below": ["Artikel teilen", "Folgen Sie uns auf Facebook", "Das könnte Sie auch interessieren",
                  "Neue Buslinie zum Gewerbegebiet", "Stadtrat beschließt Haushalt", "Kommentare (0)",
                  "© 2024 Lindenauer Zeitung. Alle Rechte vorbehalten."],
        "other": ("Pendler loben neuen Bahnhof, kritisieren Parkplätze", [
            "Eine Woche nach der Wiedereröffnung fällt das Urteil der Pendler in Lindenau überwiegend positiv aus. "
            "Vor allem ältere Fahrgäste freuen sich über die neuen Aufzüge.",
            "Kritik gibt es dagegen an den wenigen Autoparkplätzen vor dem Gebäude. Wer morgens nach sieben Uhr kommt, "
            "findet oft keinen freien Platz mehr und muss in den Wohnstraßen parken.",
            "Die Stadt prüft nun, ob eine Fläche hinter dem Güterschuppen als zusätzlicher Parkplatz genutzt werden kann.",
        ]),
    },
    "ar": {
        "title": "افتتاح أكبر محطة للطاقة الشمسية في المنطقة",
        "body": [
            "افتتحت وزارة الطاقة يوم الأحد محطة جديدة للطاقة الشمسية في صحراء الواحة الشرقية، وهي الأكبر من نوعها "
            "في المنطقة. وتضم المحطة أكثر من نصف مليون لوح شمسي على مساحة تبلغ نحو عشرة كيلومترات مربعة.",
            "وقال وزير الطاقة في حفل الافتتاح إن المحطة ستوفر الكهرباء لنحو مئة وخمسين ألف منزل، وستقلل استهلاك "
            "الوقود في محطات التوليد القديمة. وأضاف أن المشروع وفر أكثر من ألفي فرصة عمل خلال فترة البناء.",
            "ومن المتوقع أن تبدأ المرحلة الثانية من المشروع في العام المقبل، على أن تشمل بناء مخازن كبيرة "
            "للبطاريات لتخزين الطاقة واستخدامها في ساعات الليل.",
        ],
        "edits": [("يوم الأحد", "يوم السبت"), ("مئة وخمسين ألف", "مئة وستين ألف")],
        "above": ["الرئيسية > اقتصاد > طاقة", "شارك على فيسبوك تويتر واتساب"],
        "below": ["شارك هذا الخبر", "تابعونا على تويتر", "اقرأ أيضا:", "ارتفاع أسعار النفط في الأسواق العالمية",
                  "التعليقات (0)", "جميع الحقوق محفوظة © 2024 صحيفة الواحة"],
        "other": ("سكان الواحة الشرقية يترقبون فوائد المحطة الشمسية", [
            "يأمل سكان القرى القريبة من المحطة الشمسية الجديدة أن تنتهي مشكلة انقطاع الكهرباء في أشهر الصيف. "
            "ويقول أحد المزارعين إن المضخات كانت تتوقف أحيانا لساعات طويلة.",
            "في المقابل، يطالب بعض الأهالي بتعبيد الطريق المؤدي إلى المحطة، بعد أن تضرر من مرور الشاحنات الثقيلة "
            "طوال فترة البناء.",
            "وتعهدت السلطات المحلية بدراسة هذه المطالب خلال الاجتماع المقبل للمجلس البلدي.",
        ]),
    },
}


def article_text(title, paragraphs):
    return "\n\n".join([title, *paragraphs])


def near_copy(text, edits):
    for old, new in edits:
        assert text.count(old) == 1, (old, text[:40])
        text = text.replace(old, new)
    return text


def char_ngrams(text, n=5):
    """Character n-grams of the NFKC, lower-cased text with whitespace runs as one space."""
    import unicodedata
    flat = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    return {flat[i:i + n] for i in range(max(1, len(flat) - n + 1))}


def last_sentence(paragraph, lang):
    """The last sentence of a paragraph (Thai: the last space-separated run, its sentence break)."""
    import regex
    if lang == "th":
        return paragraph.split(" ")[-1]
    parts = [p for p in regex.split(r"(?<=[。.!?！？])\s*", paragraph) if p.strip()]
    return parts[-1]


def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 0.0


def build():
    ftfy = ftfy_config()
    docs, truth = [], []
    for lang, art in ARTICLES.items():
        orig = article_text(art["title"], art["body"])
        texts = {
            "orig": orig,
            "near": near_copy(orig, art["edits"]),
            "chrome": "\n\n".join(art["above"] + [orig] + art["below"]),
            "other": article_text(*art["other"]),
        }
        base = normalize_text(orig, ftfy)
        for kind, text in texts.items():
            doc_id = f"{lang}-{kind}"
            docs.append({"id": doc_id, "text": text})
            clean = normalize_text(text, ftfy)
            truth.append({
                "id": doc_id, "lang": lang, "kind": kind, "of": None if kind == "other" else f"{lang}-orig",
                "last_sentence": last_sentence(normalize_text(text, ftfy).split("\n\n")[-1] if kind != "chrome"
                                               else art["body"][-1], lang),
                "jc5": round(jaccard(char_ngrams(clean), char_ngrams(base)), 4),
                "j5": round(jaccard(shingles(clean, 5), shingles(base, 5)), 4),
            })
    return docs, truth


def main():
    docs, truth = build()
    for name, rows in (("corpus.jsonl", docs), ("truth.jsonl", truth)):
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    for row in truth:
        print(f"{row['id']:<10} jc5 {row['jc5']:.3f}  j5 {row['j5']:.3f}")


if __name__ == "__main__":
    main()
