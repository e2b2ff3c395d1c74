"""Search on both stores: the rules as a table, and a differential test (the same
generated registry on both stores gives the same ranked answers to the same queries,
names spoiled the ways sources spoil them)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest
from pypinyin import Style, lazy_pinyin

from graph.embedded_store import EmbeddedStore
from graph.errors import InvalidRequestError
from graph.model import (
    Enterprise,
    EntityKind,
    Named,
    Person,
    SearchCandidates,
    SearchLookup,
    Sex,
)
from graph.neo4j_store import Neo4jStore
from graph.search import search, search_page
from linkage.ids import downgrade_to_15, org_code_of
from linkage.search_rank import HitKind
from loaders.generator.names import NameMaker, homophone_of, to_traditional
from tests.factories import credit_code, make_enterprise, resident_id

if TYPE_CHECKING:
    from pathlib import Path

    from graph.store import GraphStore

BOTH = frozenset(HitKind)
PERSONS = frozenset({HitKind.PERSON})
FIRMS = frozenset({HitKind.ENTERPRISE})

WANG = resident_id(1)
WANG_TOO = resident_id(2)
OUYANG = resident_id(3)
LI = resident_id(4)


def _seed(store: GraphStore) -> None:
    store.upsert_persons(
        [
            Person(WANG, "王建国"),
            Person(WANG_TOO, "王建国"),
            Person(OUYANG, "欧阳娜娜", aliases=("歐陽娜娜",)),
            Person(LI, "李小明"),
        ]
    )
    store.upsert_enterprises(
        [
            make_enterprise(credit_code=credit_code(1), name="锦江示例科技有限公司"),
            make_enterprise(
                credit_code=credit_code(2),
                name="北京华夏建设集团有限公司",
                registration_no="110000000000017",
            ),
        ]
    )


def _top(store: GraphStore, text: str, kinds: frozenset[HitKind] = BOTH) -> list[str]:
    return [hit.key for hit in search(store, text, kinds)]


NAME_TABLE = [
    ("王建国", WANG, "same name"),
    ("王建國", WANG, "same name"),  # traditional
    ("wang jianguo", WANG, "pinyin of the name"),
    ("wangjianguo", WANG, "pinyin of the name"),
    ("Wáng Jiànguó", WANG, "pinyin of the name"),
    ("wang2 jian4 guo2", WANG, "pinyin of the name"),
    ("wjg", WANG, "initials of the name"),
    ("建国", WANG, "part of the name"),
    ("jianguo", WANG, "part of the name"),
    ("王建图", WANG, "one character different"),
    ("王健国", WANG, "same pinyin (homophone)"),
    ("欧阳娜娜", OUYANG, "same name"),
    ("歐陽娜娜", OUYANG, "same name"),
    ("李小明", LI, "same name"),
]


def test_persons_by_name(store: GraphStore) -> None:
    """One store seeded once, the table of queries asked of it."""
    _seed(store)
    for query, first, reason in NAME_TABLE:
        hits = search(store, query, PERSONS)
        assert hits, query
        assert hits[0].key == first, query
        assert reason in hits[0].reasons, (query, hits[0].reasons)
        assert all(h.kind is HitKind.PERSON for h in hits)


def test_a_name_and_last_digits_tell_namesakes_apart(store: GraphStore) -> None:
    _seed(store)
    assert _top(store, "王建国", PERSONS)[:2] == [WANG, WANG_TOO]
    assert _top(store, f"王建国 {WANG_TOO[-4:]}", PERSONS) == [WANG_TOO]
    assert _top(store, f"王建国{WANG_TOO[-6:].lower()}", PERSONS) == [WANG_TOO]


def test_persons_by_id_number_in_any_form(store: GraphStore) -> None:
    _seed(store)
    person_id = resident_id(5)
    store.upsert_persons([Person(person_id, "赵六")])
    full_width = person_id.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    for written in (person_id, full_width, downgrade_to_15(person_id)):
        hits = search(store, written, BOTH)
        assert [(h.key, h.reasons) for h in hits] == [
            (person_id, ("resident ID number",))
        ]
    x_person = next(resident_id(n) for n in range(6, 99) if resident_id(n)[-1] == "X")
    store.upsert_persons([Person(x_person, "钱七")])
    assert _top(store, x_person.lower(), PERSONS) == [x_person]


def test_enterprises_by_name_and_codes(store: GraphStore) -> None:
    _seed(store)
    code = credit_code(2)
    assert _top(store, "华夏建设", FIRMS) == [code]
    assert _top(store, "北京華夏建設集團有限公司", FIRMS) == [code]  # traditional
    assert _top(store, code.lower(), FIRMS) == [code]
    assert _top(store, org_code_of(code), FIRMS) == [code]
    assert _top(store, "110000000000017", FIRMS) == [code]
    hit = search(store, org_code_of(code), FIRMS)[0]
    assert hit.reasons == ("organisation code",)


def test_kinds_and_nothing_found(store: GraphStore) -> None:
    _seed(store)
    assert _top(store, "王建国", FIRMS) == []
    assert _top(store, "华夏建设", PERSONS) == []
    assert _top(store, "zzzz", BOTH) == []
    with pytest.raises(InvalidRequestError):
        search(store, "  ", BOTH)


def test_keys_follow_writes(store: GraphStore) -> None:
    """A new alias, a replaced person, a renamed enterprise, a deleted person."""
    _seed(store)
    store.upsert_persons([Person(LI, "李晓明")])  # an alias
    assert "same name (alias)" in search(store, "李晓明", PERSONS)[0].reasons
    store.replace_persons([Person(LI, "李大明")])
    assert "same name" not in search(store, "李小明", PERSONS)[0].reasons
    assert _top(store, "李大明", PERSONS) == [LI]
    store.upsert_enterprises([Enterprise(credit_code(1), "成都新名字有限公司")])
    assert _top(store, "示例科技", FIRMS) == []
    assert _top(store, "新名字", FIRMS) == [credit_code(1)]
    store.upsert_enterprises([Enterprise(credit_code(1), "")])  # keeps the name
    assert _top(store, "新名字", FIRMS) == [credit_code(1)]
    assert store.delete_bare_persons([LI]) == [LI]
    assert _top(store, "李大明", PERSONS) == []


def test_pages_and_cursors(store: GraphStore) -> None:
    _seed(store)
    first = search_page(store, "王建国", PERSONS, limit=1)
    assert len(first.hits) == 1
    assert first.next_cursor is not None
    second = search_page(store, "王建国", PERSONS, limit=1, cursor=first.next_cursor)
    assert second.hits[0].key != first.hits[0].key
    everything = search(store, "王建国", PERSONS)
    assert [*first.hits, *second.hits] == everything[:2]
    with pytest.raises(InvalidRequestError, match="another query"):
        search_page(store, "王建", PERSONS, cursor=first.next_cursor)
    with pytest.raises(InvalidRequestError, match="malformed"):
        search_page(store, "王建国", PERSONS, cursor="!!")


def test_search_candidates_in_one_read(store: GraphStore) -> None:
    """The store's one read of a search: an exact key keeps its first ``limit``
    holders by key, a gram all of them or none beyond ``limit``; the identifiers
    name their entities; nothing asked, nothing found."""
    _seed(store)
    third = resident_id(6)
    store.upsert_persons([Person(third, "王建国")])
    code = credit_code(2)
    found = store.search_candidates(
        SearchLookup(
            person_exact=("n_王建国",),
            person_grams=("g_建国", "g_小明"),
            enterprise_grams=("b_华夏", "b_有限"),
            person_id=OUYANG,
            credit_code=credit_code(1),
            legacy_id=org_code_of(code),
            limit=2,
        )
    )
    namesakes = sorted([WANG, WANG_TOO, third])[:2]
    assert [p.key for p in found.persons] == sorted([*namesakes, LI])
    assert found.persons[-1] == Named(LI, "李小明")
    assert found.persons_by_id == (Named(OUYANG, "欧阳娜娜", ("歐陽娜娜",)),)
    # b_华夏: one holder; b_有限: two, within the limit
    assert [e.key for e in found.enterprises] == sorted([credit_code(1), code])
    assert found.enterprises_by_code == (Named(credit_code(1), "锦江示例科技有限公司"),)
    assert found.enterprises_by_legacy_id == (Named(code, "北京华夏建设集团有限公司"),)
    # b_有限 has two holders: within a limit of 2, over a limit of 1
    wide = store.search_candidates(SearchLookup(enterprise_grams=("b_有限",), limit=2))
    assert len(wide.enterprises) == 2
    narrow = store.search_candidates(
        SearchLookup(enterprise_grams=("b_有限",), limit=1)
    )
    assert narrow.enterprises == ()
    assert store.search_candidates(SearchLookup()) == SearchCandidates()


def test_an_embedded_store_written_before_the_index_is_indexed_on_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    old = EmbeddedStore(path)
    _seed(old)
    old._conn.execute("DELETE FROM search_keys")  # as before the index existed
    old._conn.execute("DELETE FROM meta WHERE key = 'search_index'")
    assert _top(old, "王建国", PERSONS) == []
    old.close()
    reopened = EmbeddedStore(path)
    assert _top(reopened, "王建国", PERSONS)[:2] == [WANG, WANG_TOO]
    reopened.close()


# -- differential -------------------------------------------------------------------


def _registry(seed: int) -> tuple[list[Person], list[Enterprise]]:
    rng = random.Random(seed)
    maker = NameMaker()
    persons = [
        Person(
            resident_id(n),
            maker.make(rng, rng.choice(list(Sex)), rng.randint(1950, 2000)),
        )
        for n in range(1, 300)
    ]
    words = ["华夏", "长江", "锦江", "天府", "新星", "蓝海", "宏达", "东方"]
    trades = ["科技", "建设", "贸易", "物流", "餐饮"]
    firms = [
        Enterprise(
            credit_code(n),
            f"{rng.choice(['成都', '北京', '上海'])}{rng.choice(words)}"
            f"{rng.choice(words)}{rng.choice(trades)}有限公司",
        )
        for n in range(1, 120)
    ]
    return persons, firms


def _queries(persons: list[Person], firms: list[Enterprise], seed: int) -> list[str]:
    rng = random.Random(seed)
    queries: list[str] = []
    for person in rng.sample(persons, 14):
        name = person.name
        syllables = lazy_pinyin(name, style=Style.TONE)
        queries += [
            name,
            to_traditional(name) or name,
            homophone_of(rng, name) or name,
            " ".join(syllables),
            "".join(lazy_pinyin(name)),
            "".join(s[0] for s in lazy_pinyin(name)),
            name[1:],
            name[:-1] + "某",
            f"{name} {person.person_id[-4:]}",
        ]
    for firm in rng.sample(firms, 8):
        queries += [firm.name, firm.name[2:6], to_traditional(firm.name) or firm.name]
    return queries


@pytest.mark.neo4j
def test_both_stores_rank_alike(tmp_path: Path, neo4j_store: Neo4jStore) -> None:
    persons, firms = _registry(12)
    embedded = EmbeddedStore(tmp_path / "diff.db")
    for target in (embedded, neo4j_store):
        target.upsert_persons(persons)
        target.upsert_enterprises(firms)
    answered = 0
    for query in _queries(persons, firms, 12):
        mine = search(embedded, query, BOTH)
        assert mine == search(neo4j_store, query, BOTH), query
        answered += bool(mine)
    embedded.close()
    assert answered > 120  # the queries find things, so agreement means something
    assert neo4j_store.existing_keys(EntityKind.PERSON, [persons[0].person_id])


@pytest.mark.neo4j
def test_a_neo4j_store_written_before_the_index_is_indexed_on_open(
    neo4j_store: Neo4jStore,
) -> None:
    _seed(neo4j_store)
    with neo4j_store.driver.session() as session:
        session.run("MATCH (n) WHERE n:Person OR n:Enterprise REMOVE n.search_keys")
        session.run("MATCH (m:SearchIndex) DELETE m")
    assert _top(neo4j_store, "王建国", PERSONS) == []
    reopened = Neo4jStore(neo4j_store.driver)
    assert _top(reopened, "王建国", PERSONS)[:2] == [WANG, WANG_TOO]
    assert _top(reopened, "华夏建设", FIRMS) == [credit_code(2)]
