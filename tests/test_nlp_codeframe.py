import pytest

from nlp import CodeframeError, load_codeframe
from nlp.codeframe import REQUIRED_IDS


def test_load_codeframe_has_every_required_topic_and_a_version():
    codeframe = load_codeframe()
    assert set(REQUIRED_IDS) <= set(codeframe.ids)
    assert codeframe.version
    assert all(topic.label and topic.description for topic in codeframe.topics)
    assert codeframe.label("police_presence") == "More visible police"


def test_load_codeframe_names_file_entry_and_field_for_a_missing_field(tmp_path):
    path = tmp_path / "cf.toml"
    path.write_text('version = "1"\n[[topic]]\nid = "a"\nlabel = "A"\ninclude = []\nexclude = []\n')
    with pytest.raises(CodeframeError, match=r"cf\.toml, topic #1 \('a'\): field 'description' is missing"):
        load_codeframe(path)


def test_load_codeframe_rejects_wrong_types_and_bad_ids(tmp_path):
    path = tmp_path / "cf.toml"
    path.write_text('version = "1"\n[[topic]]\nid = "Bad Id"\nlabel = "A"\ndescription = "d"\ninclude = []\nexclude = []\n')
    with pytest.raises(CodeframeError, match=r"field 'id' must be snake_case .* got 'Bad Id'"):
        load_codeframe(path)
    path.write_text('version = "1"\n[[topic]]\nid = "a"\nlabel = "A"\ndescription = "d"\ninclude = "x"\nexclude = []\n')
    with pytest.raises(CodeframeError, match=r"field 'include' must be a list, got 'x'"):
        load_codeframe(path)


def test_load_codeframe_rejects_duplicates_missing_version_and_missing_file(tmp_path):
    entry = '[[topic]]\nid = "a"\nlabel = "A"\ndescription = "d"\ninclude = []\nexclude = []\n'
    path = tmp_path / "cf.toml"
    path.write_text('version = "1"\n' + entry + entry)
    with pytest.raises(CodeframeError, match=r"topic #2: id 'a' appears twice"):
        load_codeframe(path)
    path.write_text(entry)
    with pytest.raises(CodeframeError, match=r"top-level 'version' must be a non-empty string, got None"):
        load_codeframe(path)
    with pytest.raises(CodeframeError, match=r"nope\.toml does not exist"):
        load_codeframe(tmp_path / "nope.toml")


def test_codeframe_label_names_unknown_topic():
    with pytest.raises(CodeframeError, match=r"topic 'ufo' is not in codeframe"):
        load_codeframe().label("ufo")
