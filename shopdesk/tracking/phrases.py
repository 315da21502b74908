"""Free-text tracking descriptions → milestone: the ordered phrase rules behind ``normalise``.

Text is first folded by :func:`fold` (case-folded, accents stripped for Latin and Greek,
quotes straightened, ``_`` as a space, whitespace collapsed), so every pattern below is
written in that folded form: ``zugestellt`` also matches "Zugestellt", ``livre`` matches
"livré", ``doreczona`` matches "Doręczona".

Rules are checked top to bottom and the first match wins, so the order encodes precedence:
returns before deliveries, failed attempts and other negations ("not delivered", "nicht
zugestellt", "non livré", "niet bezorgd", "nie doręczono", "not collected") before deliveries,
"out for delivery" before "ready for pickup", a customer's own request before anything that
sounds like a problem. Clauses that only describe a hypothesis ("if you are not home, ...")
are dropped before matching.
Each rule is one compiled regex built from per-language alternatives. Write rules from the
general phrasing a carrier would use, never from one carrier's exact sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TRANSLATE = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "’": "'",
        "‘": "'",
        "‚": "'",
        "´": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "™": " ",
        "®": " ",
        "©": " ",
        "_": " ",
    }
)
_SPACE = re.compile(r"\s+")


def _strippable(base: str) -> bool:
    """Whether combining marks on ``base`` are accents to drop (Latin and Greek only)."""
    return base < "\u0250" or "\u0370" <= base <= "\u03ff" or "\u1e00" <= base <= "\u1fff"


def fold(text: str) -> str:
    """Fold a carrier description into the form the rules are written in.

    Args:
        text: Raw description, any language.

    Returns:
        Lower-case text without Latin/Greek accents, with straight quotes and single spaces.
        Other scripts (Japanese, Chinese, ...) keep their marks.
    """
    text = text.translate(_TRANSLATE)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        kept: list[str] = []
        base = ""
        for ch in decomposed:
            if unicodedata.combining(ch):
                if base and _strippable(base):
                    continue
            else:
                base = ch
            kept.append(ch)
        text = unicodedata.normalize("NFC", "".join(kept))
    return _SPACE.sub(" ", text.casefold()).strip()


@dataclass(frozen=True, slots=True)
class Rule:
    """One phrase rule: what matching folded text means.

    ``pattern`` covers every language; ``latin`` leaves out the Greek/CJK alternatives and is
    used for text without such characters (those alternatives are tried at every position).
    """

    name: str
    milestone: str
    reason: str | None
    pattern: re.Pattern[str]
    latin: re.Pattern[str]


_NON_LATIN_LANGS = frozenset({"el", "ja", "zh"})
_NON_LATIN_CHAR = re.compile("[\u0370-\U0010ffff]")


def _alternatives(pattern: str) -> list[str]:
    """Split a regex into its top-level ``|`` alternatives."""
    parts: list[str] = []
    start = depth = i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 1
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


def _compile(alternatives: list[str]) -> re.Pattern[str]:
    """One regex; the alternatives starting with ``\\b`` share a single boundary test (faster)."""
    bounded = [a[2:] for a in alternatives if a.startswith(r"\b")]
    others = [a for a in alternatives if not a.startswith(r"\b")]
    parts = ([r"\b(?:" + "|".join(bounded) + ")"] if bounded else []) + others
    return re.compile("|".join(parts) or "(?!)")


def _rule(name: str, milestone: str, reason: str | None = None, **langs: str) -> Rule:
    """Build a rule from per-language regex alternatives (keyword = language code)."""
    for placeholder, fragment in _FRAGMENTS.items():
        langs = {lang: pattern.replace(placeholder, fragment) for lang, pattern in langs.items()}
    split = {lang: _alternatives(pattern) for lang, pattern in langs.items()}
    every = [alt for alts in split.values() for alt in alts]
    latin = [alt for lang, alts in split.items() if lang not in _NON_LATIN_LANGS for alt in alts]
    return Rule(name, milestone, reason, _compile(every), _compile(latin))


# Fragments a rule may name as <PARCEL>, <CANCELLED>, <PERSON>.
_FRAGMENTS = {
    "<PARCEL>": r"(?:shipment|parcel|package|item|consignment|order|label|zending|pakket"
    r"|sendung|paket|colis|envio|pedido|paquete|spedizione|pacco|przesylk\w*|paczk\w*"
    r"|etykiet\w*|objeto|forsandelse)",
    "<CANCELLED>": r"(?:cancel+ed|voided|deleted|geannuleerd|storniert|annulliert|annule\w*"
    r"|cancelad\w*|anulad\w*|anulowan\w*|annullat\w*)",
    "<PERSON>": r"(?:recipient|addressee|consignee|receiver|customer|client)",
}

RULES: tuple[Rule, ...] = (
    # --- Cancelled before anything else ("label cancelled" is not a label being created).
    _rule(
        "cancelled",
        "exception",
        "other",
        any=r"\b<PARCEL>\b[^.;]{0,30}\b<CANCELLED>|\b<CANCELLED>\b[^.;]{0,30}\b<PARCEL>\b"
        r"|\b(?:sender|shipper|afzender|absender|expediteur) (?:has |heeft |hat "
        r"|a )?\w*\s?<CANCELLED>|\bvoided\b|\b(?:data|daten|gegevens"
        r"|donnees) [^.;]{0,30}\b(?:deleted|geloscht|verwijderd|supprimees)",
    ),
    # --- Problem resolved / address fixed: movement resumes.
    _rule(
        "resolved",
        "in_transit",
        en=r"\b(?:problem|issue|exception|incident) (?:has been |was |is )?(?:resolved|solved"
        r"|cleared)|\baddress (?:has been |was |is )?(?:corrected|updated)",
        nl=r"\badres (?:is )?(?:gecorrigeerd|aangepast)",
        de=r"\badresse (?:wurde )?korrigiert",
        fr=r"\badresse (?:a ete )?corrigee",
    ),
    # --- Return to sender: completed returns, then returns under way.
    _rule(
        "returned",
        "returned_to_sender",
        en=r"\breturn(?:ed)? (?:shipment |parcel |package |item )?(?:has been |was )?delivered"
        r"|\bdelivered,? (?:back )?to (?:the )?(?:original )?(?:sender|shipper)"
        r"|\breturned(?: \w+){0,2} to (?:the )?(?:original )?(?:sender|shipper|merchant"
        r"|retailer|origin)\b|\breturned\b(?! to\b)",
        nl=r"\bretourzending (?:is )?(?:afgeleverd|bezorgd)|\bis geretourneerd"
        r"|\b(?:afgeleverd|bezorgd) (?:bij|aan) (?:de )?afzender",
        de=r"\ban (?:den )?absender (?:zuruckgesandt|zuruckgeschickt|zugestellt)",
        fr=r"\b(?:livre|remis|retourne|renvoye)e? a l'(?:expediteur|envoyeur)",
        es=r"\b(?:devuelt|entregad)[oa] al remitente",
        pt=r"\b(?:devolvid[oa]|entregue) ao remetente",
        it=r"\b(?:restituit|res|consegnat)[oa] al mittente",
        pl=r"\bzwrocon\w* (?:do|nadawcy)|\bdoreczon\w* (?:do )?nadawcy",
        sv=r"\breturnerats till avsandaren",
        el=r"επεστραφη",
        ja=r"差出人に返送|返送済",
        zh=r"已退回|退回妥投",
    ),
    _rule(
        "returning",
        "returning_to_sender",
        en=r"\breturn(?:ing)? to (?:the )?(?:sender|shipper|origin|seller|merchant|retailer"
        r"|vendor)\b|\br\.?t\.?s\b|\b(?:will be|being|to be) returned|\b(?:goes|going|sent"
        r"|on its way) back to (?:the )?(?:sender|shipper)|\bpackage return\b|\breturn (?:is "
        r"|in )?(?:in transit|out for delivery|process\w*|initiated"
        r"|requested)|\bundeliverable as addressed|\breturn(?:ing)? shipment\b"
        r"|\b(?:on (?:its|the) way|en ?route|heading|in transit) (?:back )?to (?:the )?"
        r"(?:sender|shipper|origin)\b",
        # Dutch "retour" on its own is always a return ("Retour, inhoud niet toegestaan").
        nl=r"\bretour\b|\bwordt geretourneerd|\bterug naar (?:de )?afzender|\bretourzending",
        de=r"\bzuruck\w*\b[^.]{0,30}\babsender|\ban (?:den )?absender\b|\bruckversand"
        r"|\brucksendung|\bwird zuruck(?:gesandt|geschickt|gesendet)\b|\bretoure",
        fr=r"\bretour (?:a l'|vers l')?(?:expediteur|envoyeur)"
        r"|\bretourne\w* (?:a|vers) l'expediteur|\ben retour\b|\b(?:vers|pour) l'expediteur",
        # "... to the sender" (out for delivery to the sender, on the way to the sender).
        es=r"\bdevolucion al remitente|\ben (?:proceso de )?devolucion|\bdevuelto\b"
        r"|\bal remitente\b",
        pt=r"\bem devolucao|\bdevolucao ao remetente|\bdevolvido\b"
        r"|\b(?:para|ao) (?:o )?remetente",
        it=r"\breso al mittente|\bin restituzione|\brestituit[oa]\b|\bal mittente\b",
        pl=r"\bzwrot\w*|\bzwroc\w*|\bpowrot do nadawcy",
        sv=r"\breturneras|\bretur till avsandar",
        el=r"επιστροφ|επιστραφ|επεστραφ",
        ja=r"返送|返還",
        zh=r"退回|退件|退运|退还",
    ),
    # --- Not yet with the carrier: the label exists, the parcel does not move yet.
    _rule(
        "label",
        "label_created",
        en=r"\blabel\b[^.;]{0,15}\b(?:created|printed|generated|purchased|produced)"
        r"|\b(?:created|printed|generated|purchased) (?:a |the )?(?:shipping |return )?label"
        r"|\bshipping label\b|\bpre-?shipment"
        r"|\b(?:shipment|shipping|order|electronic|billing|parcel) (?:information|info|data"
        r"|details)\b[^.;]{0,20}\b(?:sent|received|transmitted|submitted"
        r"|entered)|\belectronic(?:ally)?\b|\b(?:data|order) (?:received|entered"
        r"|processed)\b|\border (?:receipt|processed)|\bnot yet (?:been )?(?:received|arrived"
        r"|handed|tendered|physically|collected)|\bhas not (?:yet )?received (?:this|the"
        r"|your)? ?(?:shipment|package"
        r"|parcel)|\bhas not received the package yet|\bshipment (?:is )?ready for\b"
        r"|\bpre-?registered"
        r"|\b(?:record|booking|consignment|shipment|waybill|air ?waybill|awb) (?:has been "
        r"|was )?created|\b(?:in )?preparation to be shipped|\bready to (?:be )?ship"
        r"|\bscheduled for pick ?-?up|\bpick ?-?up request\b|\bpre-?alert\w*"
        r"|\bstatus not available|\bno (?:tracking )?(?:status|information) (?:available|yet)"
        r"|\bawaiting (?:electronic )?data"
        r"|^(?!.*\b(?:arriv|depart|transit|process|accept|picked))(?=.*\bawaiting item)"
        # the sender still has it: "shipper is preparing", "awaiting entry at <carrier>",
        # "tracking will be updated when the parcel is handed over"
        r"|\b(?:shipper|sender|seller|merchant|retailer)\b[^.;]{0,30}\bpreparing\b"
        r"|\bpreparing (?:an? |the |your )?(?:item|parcel|package|shipment|order)\b"
        r"|\bawaiting (?:entry|receipt|handover|drop-?off|tender)\b"
        r"|\bwhen (?:the |your )?(?:parcels?|items?|packages?|shipments?) "
        r"(?:is |are |has been |have been )?(?:received|handed|dropped|lodged|tendered)\b",
        nl=r"\bvoorgemeld|\baangemeld"
        r"|\bnog niet (?:door [\w-]+ )?(?:ontvangen|aangeboden|verwerkt)"
        r"|\bniet fysiek aangeboden|\bnog geen status|\bophaal(?:opdracht|verzoek)"
        r"|\b(?:verzend)?label (?:is )?(?:aangemaakt|gemaakt)",
        de=r"\belektronisch\w*|\bauftragsdaten"
        r"|\bsendungsdaten (?:wurden )?(?:ubermittelt|erhalten)|\bangekundigt"
        r"|\bnoch nicht (?:eingeliefert|ubergeben|eingetroffen|erhalten)|\bversandetikett"
        r"|\blabel erstellt|\babholauftrag|\babholung (?:wurde )?(?:beauftragt|angemeldet)",
        fr=r"\bdonnees (?:de (?:colis|l'envoi) )?transmises|\bpret a etre expedie"
        r"|\benregistre par l'expediteur|\bpas encore (?:ete )?(?:pris en charge|remis|recu)"
        r"|\betiquette (?:creee|editee|imprimee)|\bdemande d'enlevement"
        r"|\b(?:pret|preparation) chez (?:l'|votre )?expediteur",
        es=r"\bpre-?r?registrad\w*|\bgrabad[oa]\b|\betiqueta (?:creada|generada)"
        r"|\baun no (?:ha sido )?recibido"
        r"|\bpendiente de (?:recibir|admision)|\bpre-?admision",
        pt=r"\betiqueta (?:criada|emitida)|\baguardando postagem"
        r"|\bainda nao (?:foi )?(?:postado|recebido)|\bsaiu para coleta|\bcoleta (?:agendada"
        r"|solicitada)",
        it=r"\betichetta (?:creata|stampata)|\bspedizione (?:registrata|creata)"
        r"|\bin attesa di presa in carico|\bcreata dal mittente|\bci venga affidata",
        pl=r"\bnadanie zarejestrowane|\brejestracja przesylki|\bpotwierdzona\b"
        r"|\bw trakcie przygotowania"
        r"|\butworzon\w* etykiet|\bprzygotowan\w* przez nadawce",
        el=r"δημιουργια",
        id=r"\bpermintaan pick ?up",
        zh=r"已下单|电子信息已收到",
        ja=r"出荷準備中",
    ),
    # --- Destroyed / seized: terminal problems.
    _rule(
        "destroyed",
        "exception",
        en=r"\b(?:seized|destroyed|confiscated|disposed)\b",
        nl=r"\bvernietigd|\bin beslag genomen",
        de=r"\bzerstort|\bbeschlagnahmt|\bvernichtet",
        fr=r"\bdetruit|\bsaisi\b|\bconfisque",
        es=r"\bdestruid|\bincautad|\bdecomisad",
        pt=r"\bdestruid|\bapreendid",
        it=r"\bdistrutt|\bsequestrat",
        pl=r"\bzniszczon|\bzarekwirowan",
        zh=r"销毁|没收",
        ja=r"廃棄|没収",
    ),
    _rule("attempt_refused", "attempt_failed", "refused", en=r"\battempt\w*\b[^.]*\brefused\b"),
    _rule(
        "prohibited",
        "exception",
        en=r"\bprohibited|\bbanned\b|\bforbidden|\brestricted (?:items|goods|articles|contents)"
        r"|\bdangerous goods",
        nl=r"\bverboden",
        de=r"\bverboten",
        fr=r"\binterdit|\bprohibe",
        es=r"\bprohibid",
        pt=r"\bproibid",
        it=r"\bvietat|\bproibit",
        pl=r"\bzakazan",
    ),
    _rule(
        "missort",
        "exception",
        "delayed",
        en=r"\bmis-?sort\w*|\bmis-?rout\w*|\bmis-?sent\b|\bmis-?shipped"
        r"|\bincorrectly (?:sorted|routed)"
        r"|\bwrong (?:destination|depot|facility|route|location|hub)"
        r"|\bmissed (?:at )?(?:the )?(?:destination|connection|transfer|sort)",
        nl=r"\bverkeerd (?:gesorteerd|gerouteerd)|\bfoutief gesorteerd",
        de=r"\bfehlgeleitet|\bfehlsortiert|\bfehlverladen"
        r"|\bfalsche[nrm]? (?:standort|depot|paketzentrum|zustellbasis|route)",
        fr=r"\bmal (?:achemine|oriente|trie)|\berreur d'acheminement|\barrive\w* par erreur",
        es=r"\bmal encaminad|\berror de (?:clasificacion|encaminamiento)",
        pt=r"\bmal encaminhad|\bcorrecao de rota",
        it=r"\berrato instradamento",
        pl=r"\bbledn\w* (?:sortowan|skierowan)",
    ),
    _rule(
        "pickup_failed",
        "exception",
        "other",
        en=r"\b(?:pick-?up|collection) (?:was )?(?:attempt\w*|missed|failed|unsuccessful)"
        r"|\battempted to (?:pick ?-?up|collect)|\b(?:unsuccessful|failed|missed) (?:pick-?up"
        r"|collection)\b",
        nl=r"\bophalen (?:is )?mislukt",
        de=r"\babholung (?:ist )?fehlgeschlagen|\babholversuch"
        r"|\babsender (?:wurde )?nicht angetroffen",
        fr=r"\bn'a pas pu etre (?:recupere|collecte|enleve)|\benlevement (?:impossible|echoue)",
    ),
    # --- A customer's own request changes nothing about the parcel's progress.
    _rule(
        "forwarded",
        "in_transit",
        en=r"\bforwarded to (?:the |a |their )?new address",
        nl=r"\bdoorgestuurd naar (?:het |een )?nieuw\w* adres",
        de=r"\ban die neue (?:adresse|anschrift)|\bnachgesendet",
        fr=r"\breexpedie\w* (?:a|vers) (?:la |sa )?nouvelle adresse",
    ),
    # --- Address problems.
    _rule(
        "address",
        "exception",
        "address",
        en=r"\b(?:incorrect|wrong|bad|invalid|insufficient|incomplete|unknown|illegible"
        r"|inaccurate|missing|faulty|problem with(?: the)?|error in(?: the)?)(?: delivery"
        r"| recipient'?s?| consignee'?s?| the"
        r"| street)? address\b|\baddress(?:ee)? (?:is )?(?:unknown|incorrect|not found|error"
        r"|problem|invalid|insufficient|incomplete"
        r"|information (?:required|needed|missing))|\baddressing error|\bno such (?:number"
        r"|address|street)|\bvacant\b|\b<PERSON> (?:has )?moved\b|\bmoved,? left no address"
        r"|\bno longer (?:lives )?at (?:this|the) address|\bunable to locate (?:the )?address"
        r"|\bdoes not live at|\bnot (?:known )?at (?:this|the|that) address"
        r"|\baddress\b[^.;]{0,25}\b(?:is|was) (?:incorrect|incomplete|invalid|wrong|unknown"
        r"|insufficient)\b|\b<PERSON>\b[^.;]{0,20}\bnot (?:listed|found|known)\b"
        r"|\b(?:incorrect|wrong|invalid|missing) (?:post ?code|postal code|zip(?: code)?)\b",
        nl=r"\b(?:adres|adresgegevens) (?:is )?(?:onjuist|onbekend|incorrect|onvolledig|fout"
        r"|niet gevonden)|\b(?:onjuist|onbekend|fout|onvolledig|verkeerd|incorrect)\w* "
        r"\w*adres\w*|\bverhuisd|\b(?:onjuiste|ontbrekende|verkeerde) postcode"
        r"|\bpostcode (?:is )?(?:onjuist|ontbreekt)",
        de=r"\b(?:adresse|anschrift) (?:ist )?(?:falsch|fehlerhaft|unvollstandig|unbekannt"
        r"|nicht (?:korrekt|auffindbar|ermittelbar))|\b(?:falsch|fehlerhaft|unvollstandig"
        r"|unbekannt|unzureichend)e[rn]? (?:adresse"
        r"|anschrift)|\bempfanger (?:ist )?(?:unbekannt"
        r"|verzogen)|\bverzogen\b|\badressfehler|\badressklarung"
        r"|\bempfanger\b[^.;]{0,20}\bnicht (?:bekannt|auffindbar|ermittelbar"
        r"|(?:im |in der |auf dem )?\w*(?:verzeichnis|klingelschild))"
        r"|\b(?:falsche|fehlende) (?:postleitzahl|plz)\b",
        fr=r"\badresse\b[^.;]{0,30}\b(?:incorrecte|erronee|incomplete|inconnue|insuffisante"
        r"|introuvable|inexacte)|\b(?:defaut|erreur) d'adress\w*|\bcode postal (?:errone"
        r"|incorrect|manquant)|\bn'habite (?:pas|plus) a l'adresse|\bdestinataire (?:inconnu"
        r"|demenage)|\ba demenage|\bdemenage",
        es=r"\bdireccion (?:incorrecta|erronea|incompleta|desconocida|insuficiente)"
        r"|\bdestinatario (?:desconocido|se ha mudado)|\bse mudo",
        pt=r"\bendereco (?:incorreto|errado|incompleto|insuficiente|desconhecido|inexistente)"
        r"|\bendereco nao (?:encontrado|localizado|existe)"
        r"|\b(?:destinatario|cliente) (?:desconhecido|mudou)|\bmudou-se"
        r"|\bcep (?:incorreto|errado|inexistente)",
        it=r"\bindirizzo (?:errato|sbagliato|incompleto|insufficiente|inesatto|sconosciuto)"
        r"|\bdestinatario (?:sconosciuto|trasferito)",
        pl=r"\b(?:zl|bledn|niepeln|nieprawidlow|niekompletn)\w* adres\w*"
        r"|\badres\w* (?:nieprawidlow|niepeln|bledn|nieznan)"
        r"|\badresat (?:nieznany|wyprowadzil)",
        sv=r"\b(?:felaktig|okand|ofullstandig) adress|\badressaten okand",
        ja=r"住所不明|宛所不明|転居先不明|宛所に尋ねあたりません",
        zh=r"地址(?:错误|不详|不明|有误)|查无此人",
        id=r"\balamat (?:tidak|salah)",
    ),
    # --- Customs holds (plain customs processing is movement, see the fallback).
    _rule(
        "customs_hold",
        "exception",
        "customs",
        en=r"\b(?:held|retained|detained|hold|stopped|rejected"
        r"|refused(?: entry)?)\b[^.]{0,30}\bcustoms\b|\bcustoms\b[^.]{0,25}\b(?:hold|held"
        r"|delay\w*|inspection|exam\w*|issue|problem|rejected"
        r"|refused)|\bdelay\w*\b[^.]{0,40}\bcustoms\b|\bclearance (?:delay|event|information"
        r"|documents?)|\bpending (?:government"
        r"|regulatory) agency|\bpending release from|\bbroker\b[^.]{0,30}\b(?:required"
        r"|release|information)|\b(?:import|customs) (?:duties|duty|fees?|charges?|costs?"
        r"|taxes) (?:due|unpaid|payable|outstanding|owed)|\b(?:awaiting"
        r"|pending) (?:the )?(?:payment (?:of )?)?(?:the )?(?:import|customs"
        r"|duties)|\bpayment of (?:the )?(?:customs|import"
        r"|duties)|\bfee to pay\b|\b(?:customs|import) (?:charges?|fees?|duty|duties"
        r"|taxes)\b[^.]*\b(?:paid|pay|due|payable)\b|\b(?:incomplete|missing|incorrect"
        r"|improper|insufficient) (?:customs )?(?:documentation|documents|paperwork"
        r"|invoice)|\binvoice (?:is )?(?:missing|required"
        r"|needed)|\bentry was rejected|\bclearing agency|\bfor clearance information"
        r"|\bhanded over to the customs"
        r"|\bimport (?:information|license|permit) (?:is )?required"
        r"|\b(?:entry|import)\b[^.;]{0,20}\b(?:not (?:been )?authori[sz]ed|denied)"
        r"|\bstop(?:ped)? (?:item )?(?:import|export)\b",
        nl=r"\bdouane\b[^.]{0,30}\b(?:vastgehouden|tegengehouden|geweigerd|inspectie)"
        r"|\b(?:vastgehouden|tegengehouden) door (?:de )?douane|\bimportkosten"
        r"|\binvoerrechten|\bdouanekosten|\bbetaling (?:van )?(?:de )?(?:import|invoer)",
        de=r"\bzoll\w*\b[^.]{0,30}\b(?:zuruckgehalten|festgehalten|einbehalten|angehalten)"
        r"|\bbeim zoll (?:festgehalten|zuruckgehalten|einbehalten)|\beinfuhrabgaben"
        r"|\bzollgebuhren|\bzollabgaben|\bverzollung (?:ausstehend|erforderlich)"
        r"|\bzollunterlagen|\beinfuhr\b[^.;]{0,30}\b(?:verweigert|nicht (?:gestattet|erlaubt"
        r"|genehmigt))",
        fr=r"\bretenu\w* (?:en|a la|par la) douane|\bbloque\w* (?:en|a la) douane"
        r"|\bdouane\b[^.]{0,30}\b(?:retenu|bloque|refus)|\bfrais de douane"
        r"|\bdroits (?:de douane|et taxes)|\bdedouanement (?:en attente|bloque|incomplet)"
        r"|\bfacture manquante|\bdocuments? (?:douaniers? )?manquants?",
        es=r"\b(?:retenid|detenid)\w* (?:en|por) (?:la )?aduana"
        r"|\baduana\b[^.]{0,30}\b(?:retenid|detenid|rechaz)"
        r"|\bpago de (?:aranceles|impuestos|derechos)"
        r"|\b(?:entrada|importacion)\b[^.;]{0,40}\bno (?:ha sido |fue )?autorizad",
        pt=r"\bretid[oa] (?:na|pela) (?:alfandega|fiscalizacao)|\baguardando pagamento"
        r"|\btributos|\btaxas (?:alfandegarias|de importacao)"
        r"|\b(?:entrada|importacao)\b[^.;]{0,40}\bnao (?:foi )?autorizad",
        it=r"\btrattenut\w* (?:in|dalla) dogana|\bfermo in dogana|\bgiacenza doganale|\bdazi\b"
        r"|\boneri doganali",
        pl=r"\bzatrzyman\w* (?:przez|w) (?:urzad\w* )?(?:cel\w*|cle\b)|\bclo do zaplaty"
        r"|\boplat\w* celn",
        zh=r"清关资料|海关(?:扣留|扣押|查验)|扣关",
        ja=r"税関(?:で)?(?:保留|留置|差止)",
    ),
    _rule(
        "weather",
        "exception",
        "weather",
        en=r"\bweather\b|\bstorms?\b|\bsnow\w*|\bfloods?\b|\bflooding|\bhurricane"
        r"|\bnatural disaster",
        nl=r"\bweer(?:s)?omstandigheden|\bnoodweer|\bsneeuw",
        de=r"\bwetter|\bwitterung|\bsturm\b|\bschnee",
        fr=r"\bintemperies|\bmeteo|\bconditions climatiques|\btempete|\bneige",
        es=r"\bmeteorolog|\bclimatolog|\btemporal\b|\btormenta|\bnevada",
        pt=r"\bcondicoes (?:climaticas|meteorologicas)|\btempestade",
        it=r"\bmaltempo|\bcondizioni (?:atmosferiche|meteo\w*|climatiche)",
        pl=r"\bpogod\w*|\bwarunk\w* atmosferyczn|\bsniezyc",
        sv=r"\bvader\b|\bvaderforhallanden|\bovader",
        ja=r"天候|台風|大雪",
        zh=r"天气|台风|暴雨",
    ),
    _rule(
        "lost",
        "exception",
        "lost",
        en=r"\blost\b|\b<PARCEL> (?:is |was |has been |reported |declared )*missing"
        r"|\bcannot be located"
        r"|\bunable to locate (?:the |your )?(?:package|parcel|shipment|item)|\binvestigation"
        r"|\btrace\b|\bclaim\b|\bstolen\b|\btheft\b",
        nl=r"\bvermist|\bzoekgeraakt|\bverloren|\bonderzoek|\bgestolen|\bdiefstal",
        de=r"\bverloren|\bverlust|\bvermisst|\bnachforschung|\bgestohlen|\bdiebstahl",
        fr=r"\bperdu|\begare|\benquete|\bvole\b",
        es=r"\bperdid|\bextraviad|\binvestigacion|\brobad[oa]\b|\bhurtad",
        pt=r"\bextraviad|\bperdid|\broubad|\bfurtad|\bnao (?:foi )?localizad",
        it=r"\bsmarrit|\bsmarrimento|\brubat",
        pl=r"\bzagubion|\bzaginion|\breklamac|\bzareklamowan|\bskradzion|\bkradziez",
        sv=r"\bforkommen|\bborttappad|\bstulen|\bstold\b",
        ja=r"紛失|調査中|行方不明",
        zh=r"丢失|遗失|查询中",
        el=r"απωλεια",
        id=r"\bhilang",
    ),
    _rule("delivered_damaged", "delivered", en=r"\bdelivered,? damaged"),
    _rule(
        "damaged",
        "exception",
        "damaged",
        en=r"\bdamage[ds]?\b|\bbroken\b|\bcrushed\b|\brepack\w*|\brewrap\w*|\bleaking",
        nl=r"\bbeschadigd|\bschade\b",
        de=r"\bbeschadigt|\bbeschadigung|\bnachverpack|\bneu verpackt",
        fr=r"\bendommage|\babime|\bdeteriore|\bcasse\b"
        r"|\bemballage\b[^.]{0,30}\b(?:renforce|refait|reconditionne)",
        es=r"\bdanad|\bdeteriorad",
        pt=r"\bdanificad|\bavariad",
        it=r"\bdanneggiat",
        pl=r"\buszkodz",
        sv=r"\bskadad",
        ja=r"破損|損傷",
        zh=r"破损|损坏",
        id=r"\brusak",
    ),
    _rule(
        "refused",
        "exception",
        "refused",
        en=r"\brefus\w*|\brejected by (?:the )?<PERSON>|\bdeclined by (?:the )?<PERSON>",
        nl=r"\bgeweigerd|\bweigering",
        de=r"verweiger",
        fr=r"\brefus",
        es=r"\brechazad|\brehusad",
        pt=r"\brecus\w*",
        it=r"\brifiutat",
        pl=r"\bodrzucon|\bodmow",
        sv=r"\bvagrade|\bnekad",
        ja=r"受取拒否|受取拒絶",
        zh=r"拒收|拒签",
        el=r"αρνηση",
        id=r"\bditolak",
    ),
    _rule(
        "missing_info",
        "exception",
        "action_required",
        en=r"\b(?:missing|insufficient|incomplete) (?:information|data|details)"
        r"|\b(?:information|data|details) (?:is |are )?(?:missing|incomplete)"
        r"|\baction (?:is )?(?:required|needed)"
        r"|\bawaiting (?:further |additional |more )?information\b",
        nl=r"\bontbrekende (?:\w*gegevens|informatie)|\bactie (?:vereist|nodig)",
        de=r"\bdaten liegen nicht vor|\bfehlende (?:daten|angaben)|\bangaben fehlen"
        r"|\b(?:handlung|aktion) erforderlich",
        fr=r"\bmanque d'informations?|\binformations? manquantes?|\baction requise"
        r"|\ben attente d'informations?",
        es=r"\bfalta(?:n)? (?:de )?(?:informacion|datos)|\baccion (?:requerida|necesaria)",
        pt=r"\bfaltam? (?:de )?(?:informac\w*|dados)|\bacao (?:e )?necessaria",
        it=r"\binformazioni mancanti|\bazione richiesta",
        pl=r"\bbrak danych|\bwymagane dzialanie",
        sv=r"\batgard kravs",
    ),
    _rule(
        "held_for_pickup",
        "available_for_pickup",
        en=r"\bheld\b[^.]*\b(?:pick ?-?up|collection|collect)\b"
        r"|\bheld (?:at|in) (?:the |a |your )?(?:local )?(?:[\w-]+ ){0,2}(?:post office"
        r"|service point|collection point|delivery office|counter|parcel ?shop)\b",
    ),
    # An explicit failed attempt wins over the customer-request wording that may follow it.
    _rule(
        "failed_attempt",
        "attempt_failed",
        en=r"\b(?:unsuccessful|failed) (?:\w+ )?delivery attempt|\bdelivery attempt (?:was )?"
        r"(?:unsuccessful|failed)\b",
    ),
    _rule(
        "request",
        "in_transit",
        en=r"\b(?:delivery (?:change|address change|instructions?|options?|preferences?)"
        r"|address change|hold (?:for|at)|(?:saturday|sunday|evening) delivery|upgrade"
        r"|refrigeration|re-?ice|reschedule(?:d)? delivery"
        r"|deliver(?:y)? to (?:the )?original address|redirect(?:ion)?"
        r"|reroute)\b[^.]*\b(?:requested|confirmed|completed|received|changed|updated"
        r"|accepted)\b|\bdelivery (?:address|date|time|option|preference"
        r"|instructions?)\b[^.]*\b(?:changed|updated|modified"
        r"|received)\b|\bdelivery (?:has been |was )?changed|\b<PERSON>'?s? (?:choice|request"
        r"|preference)\b|\bchange completed",
        nl=r"\bkeuze van (?:de )?ontvanger|\bop verzoek van (?:de )?ontvanger"
        r"|\b(?:bezorging|bezorgmoment|bezorgdatum|aflevering) (?:is )?gewijzigd"
        r"|\bgewijzigd naar",
        de=r"\bwunsch(?:ablageort|nachbar|tag|filiale|zustellung)|\bumleitung"
        r"|\bauf wunsch des empfangers|\bzustelloption",
        fr=r"\ba la demande du destinataire|\bfaire suivre|\brendez-vous|\bchoix du destinataire",
        es=r"\bcambio de (?:direccion|fecha) de entrega|\ba peticion del destinatario",
        pl=r"\bzmian\w* (?:adresu|terminu) (?:dostawy|doreczenia)|\bna zyczenie odbiorcy"
        r"|\bprzekierowan",
    ),
    # --- Failed delivery attempts.
    # --- Carrier-side hold-ups worded as "could not be delivered today": a delay, not an attempt.
    _rule(
        "operational",
        "exception",
        "delayed",
        en=r"\b(?:for|due to) (?:operational|operating|technical) (?:reasons|issues|problems)"
        r"|\boperational (?:delay|disruption)",
        nl=r"\bwegens drukte|\boperationele (?:redenen|problemen)",
        de=r"\baus (?:betrieblichen|technischen) grunden|\bbetriebsstorung",
        fr=r"\braisons? (?:operationnelles|techniques|d'exploitation)|\bsituation exceptionnelle"
        r"|\bindependante? de notre volonte",
        es=r"\bmotivos (?:operativos|tecnicos)",
        it=r"\bmotivi (?:operativi|tecnici)",
        pt=r"\bmotivos (?:operacionais|tecnicos)",
        pl=r"\bz przyczyn (?:operacyjnych|technicznych)",
    ),
    # --- The sender must decide what happens next.
    _rule(
        "sender_contact",
        "exception",
        "action_required",
        en=r"\bcontact(?:ing|ed)? (?:the |your )?(?:sender|shipper|seller|merchant)\b"
        r"|\b(?:sender|shipper) (?:has been|was) (?:notified|contacted)",
        nl=r"\bcontact\w* (?:op )?met (?:de )?afzender",
        de=r"\b(?:kontaktieren sie|wenden sie sich an) (?:bitte )?(?:den )?(?:absender|versender)"
        r"|\babsender (?:wurde|wird) (?:benachrichtigt|kontaktiert)",
        fr=r"\bcontacte[rz]? (?:l'|votre )?(?:expediteur|vendeur)"
        r"|\bexpediteur (?:a ete )?(?:informe|contacte)",
        es=r"\bcontacte? con (?:el )?(?:remitente|vendedor)",
        pt=r"\bcontat\w* (?:com )?o remetente",
        it=r"\bcontatta(?:re)? il mittente",
        pl=r"\bnadawca (?:zostal )?powiadomiony|\bkontakt\w* z nadawca",
    ),
    # --- Not collected in time: a problem (and before "collected" below).
    _rule(
        "not_collected",
        "exception",
        en=r"\bnot (?:been )?(?:collected|picked up|claimed)\b|\b(?:did|has|have) not (?:yet )?"
        r"(?:collect|pick up|claim)(?:ed)?\b",
        nl=r"\bniet (?:afgehaald|opgehaald)\b",
        de=r"\bnicht\b(?: \w+){0,2} abgeholt\b(?! werden)",
        fr=r"\bnon (?:reclame|retire)|\bpas (?:ete )?retire",
        es=r"\bno (?:ha sido )?(?:reclamado|recogido|retirado)",
        pt=r"\bnao (?:foi )?(?:retirado|procurado)",
        it=r"\bnon (?:e stat[oa] )?ritirat",
        pl=r"\bnieodebran\w*|\bnie (?:zostal[oa]? )?odebran",
        sv=r"\binte (?:uthamtad|hamtad)",
    ),
    # --- Failed delivery attempts; the negations ("not delivered", "nicht ... zugestellt",
    # "n'a pas pu être livré", "niet bezorgd", "nie doręczono") must win over "delivered".
    _rule(
        "attempt",
        "attempt_failed",
        en=r"\battempt(?:ed|s)?\b|\bunsuccessful (?:delivery|attempt)"
        r"|\bdelivery (?:was )?(?:unsuccessful|failed|not successful|missed)"
        r"|\bfailed (?:delivery|attempt)|\b(?:we|driver|courier) (?:tried|missed you)"
        r"|\bmissed you|\bmissed delivery|\bnotice (?:card )?left|\bcard left"
        r"|\bleft a (?:notice|card)|\bnot (?:at )?home\b"
        r"|\bno one (?:was )?(?:home|available|in)|\bnobody (?:home|available|in)"
        r"|\b<PERSON>\b[^.]{0,20}\b(?:not (?:available|home|present|in)|unavailable|absent)"
        r"|\bno authori[sz]ed (?:recipient|addressee|person)|\bbusiness closed"
        r"|\bclosed on arrival|\b(?:location|premises|business) (?:was )?closed|\bno access\b"
        r"|\bcould not (?:gain )?access|\binaccessible|\bunreachable"
        r"|\breceptacle (?:full|blocked)|\bunsafe|\bhazardous|\bre-?deliver\w*"
        r"|\breschedule (?:your |the )?delivery|\b(?:try|attempt) again"
        r"|\bwill (?:try|attempt) (?:again|to deliver)|\bnot delivered"
        r"|\bcould not be delivered"
        r"|(?<!can )\bnot (?:yet |been |successfully ){1,2}delivered\b"
        r"|\b(?:door|office|shop|store) (?:was )?closed\b"
        r"|\b(?:was|were) unable to (?:deliver|complete (?:the )?delivery)"
        r"|\bunable to deliver\b[^.]*\b(?:reschedul|pick ?up|try again|attempt|redeliver)"
        r"|\b(?:does|did) not fit|\bunable to (?:receive|collect) payment",
        nl=r"\bniet (?:afgeleverd|bezorgd)\b(?! worden)|\blukte niet"
        r"|\b(?:bezorging|bezorgen) (?:is )?(?:niet gelukt|mislukt)|\bgemist|\bnog een keer"
        r"|\bprobe?ren\b[^.]*\b(?:opnieuw|nogmaals)|\bgeen bezorging mogelijk"
        r"|\bnieuwe (?:bezorg)?poging|\bopnieuw aangeboden|\bonbereikbaar|\bniet thuis"
        r"|\bpaste? niet|\bkan niet betalen",
        de=r"\bnicht zugestellt werden|\bzustellung\b[^.]*\bnicht (?:moglich|erfolgreich)"
        r"|\bnicht\b(?: \w+){0,3} (?:zugestellt|ausgeliefert|abgegeben)\b"
        r"|\bzustellversuch|\bnicht angetroffen"
        r"|\bbenachrichtigungskarte|\berneute zustellung"
        r"|\bempfanger (?:war )?nicht (?:anwesend|angetroffen)",
        fr=r"\babsent|\babsence du destinataire|\bavis de passage|\bnon (?:distribue|livre)\b"
        r"|\bn'a (?:pas )?pu etre (?:livre|distribue|remis)|\bne peut (?:pas )?etre livre"
        r"|\bechec de (?:la )?livraison"
        r"|\btentative de livraison|\bnouvelle presentation|\bpresente une nouvelle fois"
        r"|\bacces\b[^.]{0,40}\bimpossible|\bimpossible d'acceder",
        es=r"\bno (?:ha sido |pudo ser |fue )?entregad|\bintento de entrega|\bausente"
        r"|\bentrega fallida|\bno se (?:ha )?(?:pudo|podido) entregar",
        pt=r"\bnao (?:foi )?entregue|\btentativa de entrega|\bdestinatario ausente"
        r"|\bcarteiro nao atendido|\bausente|\bentrega nao (?:pode ser |foi )?(?:realizada"
        r"|efetuada)",
        it=r"\bmancata consegna|\bdestinatario assente|\btentativo di consegna|\bnon consegnat"
        r"|\bnon (?:e )?stat[oa] consegnat|\bconsegna non (?:riuscita|effettuata)",
        pl=r"\bnie (?:zostal[oa]? )?(?:dostarczon|doreczon)\w*|\bnie udalo sie (?:dostarczyc"
        r"|doreczyc)|\bnieudan\w* (?:proba )?(?:dorecz|dostaw)"
        r"|\bprob\w* doreczenia|\bawizo|\bawizowan|\bpowrot do oddzialu|\bnieobecn",
        sv=r"\bkunde inte (?:levereras|delas ut|lamnas ut)|\binte (?:levererad|utdelad)\b"
        r"|\bleveransforsok",
        ja=r"不在|持ち戻り|持戻",
        zh=r"投递失败|未妥投|派送失败|无人签收",
        id=r"\bgagal (?:kirim|antar)|\bpenerima tidak (?:ada|di ?tempat)",
    ),
    _rule(
        "undeliverable",
        "exception",
        "other",
        en=r"\bundeliverable|\bcannot be delivered|\bcan ?not be delivered|\bunable to deliver\b"
        r"|\bnon-?deliverable|\bdelivery (?:is )?not possible",
        nl=r"\bkan niet (?:worden )?bezorgd|\bonbestelbaar",
        de=r"\bunzustellbar|\bnicht zustellbar|\bkann nicht zugestellt",
        fr=r"\bnon distribuable|\bne peut (?:pas )?etre distribue",
        es=r"\bno (?:es )?entregable|\bimposible entregar",
        pl=r"\bniedoreczaln",
        it=r"\binconsegnabile",
    ),
    _rule(
        "delay",
        "exception",
        "delayed",
        en=r"\bdelay\w*|\blater than (?:expected|planned|scheduled)"
        r"|\b(?:running|arriving|is|will be) late\b|\bpostponed"
        r"|\blate (?:flight|arrival|train|truck|delivery)"
        r"|\bmissed (?:the )?(?:scheduled )?(?:transfer|connection|flight|cut-?off)"
        r"|\bbehind schedule|\b(?:operating|operational) (?:conditions|issues)"
        r"|\bprocessing (?:error|exception|issue)|\bsuspended\b"
        r"|\b(?:take|takes|taking) longer than (?:expected|planned|usual)",
        nl=r"\bvertraa?g\w*|\buitgesteld|\buitstel\b|\blater dan verwacht|\bopgeschort",
        de=r"verzoger\w*|\bverspat\w*|\bspater als|\blanger als (?:geplant|erwartet)",
        fr=r"\bretard|\breporte|\bsuspendue?s?\b",
        es=r"\bretras\w*|\bdemora|\bsuspendid",
        pt=r"\batras\w*|\bsuspens\w*|\bmais tempo do que o previsto",
        it=r"\britard\w*|\bsospes\w*",
        pl=r"\bopozni\w*",
        sv=r"\bforsen\w*|\bforsinke\w*",
        ja=r"遅延|遅れ",
        zh=r"延误|延迟",
        id=r"\bterlambat|\btertunda",
        el=r"καθυστερ",
    ),
    _rule(
        "apology",
        "exception",
        "delayed",
        en=r"^sorry\b|\bunfortunately\b|\bwe(?:'re| are) sorry",
        nl=r"^sorry\b|\bhelaas",
        de=r"\bleider\b",
        fr=r"\bmalheureusement|\bdesole",
        es=r"\blamentablemente|\blo sentimos",
        pl=r"\bniestety|\bprzepraszamy",
    ),
    _rule(
        "rescheduled",
        "in_transit",
        en=r"\breschedul\w*|\bupdated delivery (?:date|time)|\bnew delivery date"
        r"|\bdelivery date (?:changed|updated)|\bscheduled for delivery"
        r"|\bdelivery (?:is )?scheduled",
        nl=r"\bbijgewerkt|\bnieuwe bezorgdatum",
        de=r"\bneuer zustelltermin",
        fr=r"\bnouvelle date de livraison",
    ),
    # --- On the vehicle, today.
    _rule(
        "out_for_delivery",
        "out_for_delivery",
        en=r"\bout for (?:post office )?(?:delivery|distribution)"
        r"|\bon (?:the |a )?(?:[\w-]+ )?(?:vehicle|van|truck) for delivery"
        r"|\bon (?:the )?(?:delivery )?(?:vehicle|van|truck)\b"
        r"|\bloaded (?:on|onto|into) (?:the )?(?:delivery )?(?:vehicle|van|truck)"
        r"|\bon ?board for delivery"
        r"|\ben ?route (?:to|for) (?:delivery|customer|the <PERSON>|<PERSON>|you\b)"
        r"|\bwith (?:the |our )?(?:delivery )?(?:courier|driver)\b"
        r"|\b(?:handed|given|passed|assigned) (?:over )?to (?:the |our "
        r"|a )?(?:delivery )?(?:courier|driver|postman|mail carrier|letter carrier)\b"
        r"|\bdriver is (?:on (?:the|his|her) way"
        r"|en ?route)|\bin delivery\b|\b(?:about|going) to be delivered|\b(?:will be"
        r"|expected to be|should be|being) delivered (?:to you )?(?:today|during the day"
        r"|this (?:morning|afternoon|evening))|\bdelivered (?:to you )?today|\bdelivery today"
        r"|\bon (?:its|the) way to (?:you\b|the <PERSON>|<PERSON>)|\bpredict\b"
        r"|\bdelivery (?:is )?(?:underway|in progress)|\bout on delivery|\btoday between\b"
        r"|\bdelivery window\b",
        nl=r"\bin distributieproces"
        r"|\bonderweg naar (?:de )?(?:ontvanger|geadresseerde|jou\b|u\b)"
        r"|\bbezorger is onderweg|\bvandaag bezorgd|\bchauffeur is onderweg"
        r"|\bin de bestelauto|\bmet de bezorger mee|\buit voor bezorging|\bwordt vandaag",
        de=r"\bin (?:der )?zustellung|\bzustellfahrzeug|\bzur zustellung (?:geladen|ubergeben)"
        r"|\bheute zugestellt|\bin auslieferung"
        r"|\bauf dem weg zu(?:r packstation| ihnen| dir| (?:dem|zum) empfanger)"
        r"|\bauf zustelltour|\bzusteller ist unterwegs|\bheute zwischen"
        r"|\bzustellung (?:erfolgt )?heute|\b(?:an den|dem) zusteller ubergeben",
        fr=r"\ben cours de (?:livraison|distribution)|\bmise? en (?:livraison|distribution)"
        r"|\bsorti\w* pour (?:la )?livraison|\bchargee? pour (?:la )?livraison"
        r"|\bavec (?:le|notre) (?:chauffeur|livreur)|\blivraison (?:prevue )?aujourd'hui"
        r"|\bsera livre aujourd'hui",
        es=r"\ben reparto|\ben ruta de entrega|\bsalio para (?:entrega|reparto)"
        r"|\ben proceso de entrega|\bsale a reparto",
        pt=r"\bsaiu para entrega|\bem rota de entrega|\bcom o (?:entregador|carteiro)"
        r"|\bem entrega\b",
        it=r"\bin consegna|\bin distribuzione"
        r"|\baffidat\w* al (?:corriere|portalettere) per la consegna"
        r"|\bin uscita per la consegna|\bconsegna\b[^.;]{0,40}\b(?:oggi|odiern\w*)",
        pl=r"\bdorecza\b|\bdoreczana\b|\bprzekazan\w* (?:kurierowi )?do (?:dorecz|dostarcz)"
        r"|\bgotowa do dorecz|\bwydan\w* (?:do dorecz\w*|doreczycielowi|kurierowi"
        r"|listonoszowi)|\bw doreczeniu|\bkurier (?:jest )?w drodze",
        sv=r"\bute for leverans|\butkorning|\bpa vag till dig|\blevereras idag",
        el=r"σε διανομη|προς παραδοση",
        ja=r"持ち出し中|配達中|お届け中",
        zh=r"正在投递|派送中|派件中|投递中|正在派送",
        id=r"\bdibawa\b|\bdiantar\w*|\bmengantar\w*|\bdalam pengantaran",
    ),
    # --- Picked up by the recipient at a counter/locker/point: delivered.
    _rule(
        "dropped_off",
        "in_transit",
        en=r"\bdropped off\b|\bdrop-?off\b|\bposted (?:by the (?:sender|shipper)|at)\b"
        r"|\bposted over the counter|\bhanded (?:in|over) (?:by|at)\b"
        r"|\b(?:deposited|lodged|tendered|accepted) (?:at|by)\b"
        r"|\bonward (?:transport|journey)|\bfor further (?:transport|processing)"
        r"|\bby (?:the )?(?:sender|shipper) at\b",
        nl=r"\b(?:afgegeven|ingeleverd|aangeboden) (?:bij|op|door) (?:een |het "
        r"|de )?(?:\w+-?)?(?:punt|kantoor|winkel|afzender|verzender)",
        de=r"\b(?:vom|durch (?:den )?)(?:absender|versender|kunden)\b[^.]*\b(?:abgegeben"
        r"|eingeliefert|aufgegeben|ubergeben)"
        r"|\beingeliefert|\bweiter(?:en )?transport",
        fr=r"\bdepose\w* (?:en|au|a la|dans (?:un|une)|par l'expediteur)\b",
        es=r"\bdepositad[oa]|\badmitid[oa]",
        pt=r"\bpostad[oa]\b",
        it=r"\baccettat[oa]|\bdepositat[oa]",
        pl=r"\bnadan\w*|\bnadawcz\w*|\bprzyjet\w* (?:w|do) (?:oddzial|terminal|sortowni)",
        sv=r"\binlamna\w*",
        ja=r"引受",
    ),
    _rule(
        "collected",
        "delivered",
        en=r"(?<!be )\b(?:collected|picked[- ]?up|retrieved)\b(?! by (?:the )?(?:carrier|courier"
        r"|driver))[^.]*\b(?:at|from)\b[^.]*\b(?:outlet|post ?office|postal facility"
        r"|access point|parcel ?shop|pick-?up point|service point|locker|counter"
        r"|branch)\b|\b(?:collected|picked up|retrieved) by (?:the )?<PERSON>",
        nl=r"\b(?:opgehaald|afgehaald) (?:bij|van|op|uit|in)\b"
        r"|\bdoor (?:de )?ontvanger (?:opgehaald|afgehaald)",
        de=r"\bempfanger hat\b[^.]*\babgeholt|\bvom empfanger abgeholt"
        r"|\b(?:aus|in) (?:der|einer|dem|einem) (?:packstation|filiale|paketshop"
        r"|postfiliale)\b[^.]*\babgeholt|\babholung\b[^.;]*\bdurch (?:den )?empfanger",
        fr=r"\bcolis retire|\ba ete retire|\bretire par le destinataire"
        r"|\bremise? au destinataire",
        es=r"\b(?:recogido|retirado) por el destinatario",
        pt=r"\bretirado pelo destinatario",
        it=r"\britirat[oa] dal destinatario",
        pl=r"\bodebran\w* przez (?:odbiorce|adresata)|\bodebran\w* z (?:paczkomatu|automatu)"
        r"|\bodebran\w* w (?:punkcie|placowce|oddziale|urzedzie\b(?! wymiany))",
        sv=r"\buthamtad|\bhar hamtats",
        ja=r"お渡し|受取済",
        zh=r"已取件|已自提",
    ),
    # --- Waiting at a pickup point for the recipient.
    _rule(
        "pickup",
        "available_for_pickup",
        en=r"\bavailable (?:for|to) (?:pick ?-?up|collect\w*|retrieval)"
        r"|\bready (?:for|to) (?:be )?(?:customer |recipient )?(?:pick ?-?up|collect\w*"
        r"|retrieval)|\bawaiting (?:customer |recipient )?(?:pick ?-?up|collection"
        r"|retrieval)|\b(?:can|may) (?:now )?be (?:collected"
        r"|picked up)|\bto be collected\b|\bhold at location|\bat (?:the |a )?(?:pick-?up"
        r"|collection) (?:location|point)|\b(?:delivered|arrived"
        r"|available)\b[^.]{0,25}\b(?:parcel ?shop"
        r"|pick ?-?up ?(?:point|location|parcel ?shop|shop|store)|access point|service point"
        r"|collection point|pudo)|\bavailable at\b[^.]*\b(?:outlet|point|office|locker|shop"
        r"|store|counter|branch)|\bredirected\b[^.]*\b(?:location|point"
        r"|post office)|\b(?:final|last) day (?:for|to) (?:retrieval|pick ?up"
        r"|collect)|\bcollect for pick ?up|\bwaiting (?:for you )?at\b|\b(?:you|recipient"
        r"|customer) can (?:now )?(?:collect|pick (?:it )?up)\b|\b(?:item|parcel|package"
        r"|shipment) is (?:now )?(?:waiting )?at (?:the |your )?(?:local )?(?:post office"
        r"|parcel ?shop|pick ?-?up point|service point)",
        nl=r"\baf te halen|\bafhaallocatie|\bophaalpunt|\bafhaalpunt"
        r"|\bligt (?:voor (?:je|u) )?klaar|\bklaar (?:om|voor) (?:op te halen|afhalen)"
        r"|\bbeschikbaar (?:op|bij|in)\b|\bkan (?:worden )?(?:opgehaald|afgehaald)"
        r"|(?<!wordt )\b(?:afgeleverd|bezorgd|aangekomen) (?:bij|in|op) (?:een |het |de )?"
        r"(?:[\w-]+ )?(?:afhaalpunt|ophaalpunt|access point|[\w-]*punt|pakketautomaat|locker)",
        de=r"\bzur abholung|\babholbereit"
        r"|\bliegt (?:in|im|in der) (?:filiale|paketshop|packstation|postfiliale)"
        r"|\bkann\b[^.]*\babgeholt werden"
        r"|\b(?:zusteller|fahrer)\b[^.;]{0,20}\ban (?:den |einen |die |das )?(?:[\w-]+ )?"
        r"(?:paketshop|packstation|filiale)",
        fr=r"\bdisponible (?:dans|au|en|a|chez)\b|\bpoint (?:de )?retrait|\ba retirer"
        r"|\bretrait (?:au|en|dans)|\ben instance"
        r"|\b(?:livre|arrive)e? (?:au|en|dans (?:le|un|votre)) (?:point relais|relais"
        r"|point pickup|consigne|bureau de poste|locker)|\bvous attend"
        r"|\b(?:mise? )?a (?:votre |la )?disposition\b",
        es=r"\bdisponible para (?:recoger|recogida|retirar)|\blisto para (?:recoger|retirar)"
        r"|\bpendiente de recogida|\ben (?:oficina|punto) de recogida",
        pt=r"\baguardando retirada|\bdisponivel para retirada|\bpronto para retirada",
        it=r"\bin giacenza|\bpronto per il ritiro|\bdisponibile (?:per il ritiro|presso)"
        r"|\britirabile",
        pl=r"\bgotowa do odbioru|\bumieszczon\w* w (?:automacie|paczkomacie|skrytce)"
        r"|\bdo odbioru w\b|\bmagazynowan\w*|\bprzypomnienie o odbiorze|\bczeka na odbior"
        r"|\boczekiw\w* (?:na odbior|przesylki w)"
        r"|\b(?:dostarczon|doreczon)\w* do (?:punktu|paczkomatu|automatu|placowki)",
        sv=r"\bservicestalle|\butlamningsstalle|\bkan hamtas|\bredo att hamtas|\bfinns att hamta"
        r"|\bvantar pa\b[^.;]{0,30}\bhamt",
        ja=r"保管中|ご来店|窓口でお受け取り|受取可能",
        zh=r"待取件|待自提|到达自提|代收点|可取件|待领取|驿站|快递柜|请.{0,4}取件",
        id=r"\bsiap diambil|\bdapat diambil",
        el=r"προς παραλαβη|ετοιμ\w* (?:για|προς) παραλαβη",
    ),
    # --- Handed to another carrier or airline: still moving.
    _rule(
        "handover",
        "in_transit",
        en=r"\bdelivered to (?:the |an? )?(?:transport\w*|carrier|airline|air carrier"
        r"|destination airport|airport|usps|postal (?:service|operator)"
        r"|(?:local |ups )?delivery partner|partner|hub"
        r"|sort(?:ing)? (?:facility|center|centre)|depot|facility|customs"
        r"|office of exchange)\b|\b(?:delivered|handed|tendered"
        r"|transferred) (?:over )?to (?:the |an? )?(?:\w+ ){0,2}(?:carrier|partner"
        r"|agent) for (?:final )?delivery",
        fr=r"\bremis\w* (?:au|a (?:la|l')|a un) (?:transporteur|partenaire|poste|douane)",
    ),
    _rule(
        "future_delivery",
        "in_transit",
        en=r"\bwill be delivered|\bto be delivered|\bwill deliver|\bexpected (?:to be )?deliver"
        r"|\bdelivery (?:is )?expected|\bestimated delivery|\bawaiting delivery"
        r"|\bwaiting for delivery",
        nl=r"\bwordt\b(?! niet)(?: \S+){0,3} (?:afgeleverd|bezorgd|geleverd)\b"
        r"|\bzal (?:worden )?bezorgd|\bwacht op bezorging"
        r"|\bverwachte? bezorg",
        de=r"\bwird (?:voraussichtlich )?[^.]{0,30}zugestellt\b(?! werden konnte)",
        fr=r"\b(?:sera|va etre) (?:livre|presente|distribue|remis)|\blivraison prevue",
        es=r"\bsera entregad",
        pt=r"\bsera entregue",
        it=r"\bsara consegnat",
        pl=r"\bzostanie (?:doreczon|dostarczon)",
    ),
    _rule(
        "delivered",
        "delivered",
        en=r"\bdelivered\b|\bdelivery (?:complete|completed|successful|confirmed)"
        r"|\bin (?:the |your )?(?:letter ?box|mail ?box|po box)"
        r"|\bleft (?:in|at) (?:a |the )?(?:safe place|porch|front door|mailbox|reception"
        r"|garage)|\bsafe place\b|\bsigned (?:for|by)\b|\bsignature (?:image )?(?:recorded"
        r"|obtained|received|from|captured)|\bhanded (?:over )?to (?:the )?(?:<PERSON>"
        r"|neighbou?r)|\bauthori[sz]ed agent\b|\breceived by (?:the )?<PERSON>\b"
        r"|\bdistributed ?normally|\bdeliver item\b",
        nl=r"\bbezorgd\b|\bafgeleverd\b|\boverhandigd|\bin (?:de|je|uw) brievenbus"
        r"|\bbij (?:de )?buren|\bgeleverd\b",
        de=r"\bzugestellt|\bzustellung erfolg|\bausgeliefert|\bubergeben an (?:den )?empfanger"
        r"|\ban (?:den )?empfanger ubergeben"
        r"|\b(?:beim|an den|an die) nachbar\w* (?:abgegeben|zugestellt)|\bim briefkasten"
        r"|\babgeliefert|\babgelegt\b|\bablieferung an\b",
        fr=r"\blivree?s?\b|\blivraison (?:effectuee|reussie)|\bdistribuee?\b"
        r"|\bremise?s? (?:au|aux|a la|a l'|a un|a une|en mains propres)",
        es=r"\bentregad[oa]|\bentrega (?:realizada|efectuada)",
        pt=r"\bentregue",
        it=r"\bconsegnat[oa]|\brecapitat[oa]",
        pl=r"\bdoreczon\w*|\bdostarczon\w*|\bdoreczenie\b"
        r"|\bwydan\w* (?:uprawnionemu|adresatowi|odbiorcy)",
        sv=r"\butlamna(?:d|t|ts)\b|\blevererad|\blevererats|\butdelad|\bhar delats ut",
        ja=r"配達(?:完了|済|しました)|お届け(?:済|完了|しました)",
        zh=r"妥投|签收|已投递|投递成功|派送成功|已送达",
        el=r"παραδοθηκε|παραδοση|επιδοθηκε",
        id=r"\bditerima oleh|\bterkirim|\b(?:telah|sudah) diterima",
    ),
    # --- Remaining problem words.
    _rule(
        "exception",
        "exception",
        # the word "exception" itself, errors, holds, unpaid fees
        en=r"\bexception\b|\bincident\b|\banomal\w*|\bproblem\b|\bissue\b|\berror\b"
        r"|\bsecurity (?:access|check)|\bon hold\b|\bheld\b|\bhold\b|\bretained\b|\bunclaimed"
        r"|\bawaiting (?:\w+ )?(?:instructions|response|reply|decision)"
        r"|\bpayment (?:is )?(?:required|due|needed|outstanding)|\bunpaid\b"
        r"|\brejected\b|\bexpired\b"
        r"|\b(?:removed|pulled|taken) (?:from|out of) (?:the )?transport|\bfor inspection"
        # a pickup / storage period that ran out
        r"|\b(?:pick ?-?up|collection|retention|storage|holding) (?:period|time|deadline)\b"
        r"[^.;]{0,20}\b(?:expired|exceeded|ended|over)\b",
        nl=r"\bprobleem|\bonregelmatigheid|\buit (?:het )?transport gehaald"
        r"|\buitzondering|\bfout\b|\bwacht op (?:instructies|reactie|antwoord)"
        r"|\bbewaartermijn\b[^.;]{0,20}\b(?:verstreken|verlopen)",
        de=r"\bstorung|\bproblem\b|\bfehler\b|\bnicht abgeholt|\bgelagert|\bzuruckgestellt"
        r"|\bausnahme\b|\bwartet auf (?:weisung|anweisung|antwort)"
        r"|\blagerfrist\b[^.;]{0,20}\b(?:uberschritten|abgelaufen)",
        fr=r"\banomalie|\bincident|\bprobleme|\berreur\b|\blitige|\bretenue?s?\b"
        r"|\ben attente (?:d'instructions|de (?:la )?reponse)"
        r"|\bdelai de (?:retrait|garde|instance)\b[^.;]{0,20}\b(?:depasse|expire|ecoule)",
        es=r"\bincidencia|\bproblema|\berror\b|\bexcepcion"
        r"|\ba la espera de (?:instrucciones|respuesta)"
        r"|\bplazo de (?:recogida|entrega)\b[^.;]{0,20}\b(?:vencido|expirado|agotado)",
        pt=r"\bproblema|\bexcec\w*|\baguardando (?:instrucoes|resposta)"
        r"|\bprazo de (?:retirada|pagamento)\b[^.;]{0,30}\b(?:encerrado|expirado|esgotado)",
        it=r"\banomalia|\bproblema|\beccezione|\bin attesa di (?:istruzioni|risposta)"
        r"|\bgiacenza (?:scaduta|terminata)",
        pl=r"\bproblem\b|\buplynal|\bwyjatek|\bblad\b|\bzatrzyman\w*"
        r"|\boczekuje sie na odpowiedz|\boczekiwanie na (?:decyzje|dyspozycje|odpowiedz)",
        sv=r"\bavvikelse|\bundantag\b",
        el=r"κρατηση",
        zh=r"异常|问题件",
    ),
)

# Reasons for problems whose rule names none: first match wins.
REASON_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern))
    for reason, pattern in (
        (
            "customs",
            r"\bcustoms|\bclearance|\bdouane|\bzoll|\baduana|\balfandega|\bdogana"
            r"|\bcel(?:n|ny|ne)\b|\bimport|\bbroker|税関|海关|清关",
        ),
        (
            "address",
            r"\baddress|\badres|\badresse|\banschrift|\bdireccion|\bendereco|\bindirizzo"
            r"|\bmoved\b|\bverhuisd|\bverzogen|住所|地址",
        ),
        ("damaged", r"\bdamage|\bbeschadig|\bendommag|\buszkodz|\bdanific|\bdanad|破損|破损"),
        (
            "lost",
            r"\blost\b|\bmissing|\bvermist|\bverloren|\bperdu|\bzaginion|\bextraviad"
            r"|紛失|丢失",
        ),
        ("refused", r"\brefus|\bgeweigerd|\bverweiger|\bodrzucon|\brecusad|\brechazad|拒"),
        ("weather", r"\bweather|\bweer|\bwetter|\bmeteo|\bintemperies|\bpogod|天候|天气"),
        (
            "action_required",
            r"\bpayment|\bpay\b|\bcod\b|\bbetal|\bzahl|\bpaiement|\bpago"
            r"|\bpagamento|\boplat|\bcontact|\baction required|\bsecurity access"
            r"|\binstructions? (?:needed|required)",
        ),
        ("delayed", r"\bdelay|\bvertraag|\bverzoger|\bretard|\bopozni|\bretras|\batras|遅延|延误"),
    )
)


# A clause addressed to the reader as a hypothesis ("if you are not home, ...", "si vous êtes
# absent, ...") describes what *could* happen, not the event: it is dropped before matching.
_HYPOTHETICAL = re.compile(
    r"\b(?:if you|si vous|si usted|wenn sie|wenn du|falls sie|als je|als u|se lei|om du"
    r"|jesli|jezeli)\b[^.;]*"
)


def match(folded: str) -> Rule | None:
    """First rule matching already-folded text, or None."""
    folded = _HYPOTHETICAL.sub(" ", folded)
    latin = _NON_LATIN_CHAR.search(folded) is None
    for rule in RULES:
        if (rule.latin if latin else rule.pattern).search(folded):
            return rule
    return None


def reason_for(folded: str) -> str | None:
    """The problem reason named in already-folded text, or None."""
    for reason, pattern in REASON_RULES:
        if pattern.search(folded):
            return reason
    return None
