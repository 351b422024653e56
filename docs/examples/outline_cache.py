"""Builds document outlines and keeps the ten most recent ones in a cache.

Each section keeps a link to its parent, so every outline is a reference cycle: evicting one from
the cache does not free it, only the cyclic collector does.
"""


class Section:
    def __init__(self, title, parent=None):
        self.title = title
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)


def outline(doc_id):
    root = Section(f"document {doc_id}")
    for i in range(3):
        chapter = Section(f"chapter {i}", root)
        for j in range(2):
            Section(f"section {i}.{j}", chapter)
    return root


recent = {}
for doc_id in range(50):
    recent[doc_id] = outline(doc_id)
    if len(recent) > 10:
        del recent[doc_id - 10]

print(len(recent), "outlines cached")
