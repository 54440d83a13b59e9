"""The engine layer: MongoDB-server semantics for the in-process engine ``mongomock-ng``.

The driver always talks to a pymongo-compatible client and emits commands written for a
real MongoDB 7.0+ server; it never bends a command for the engine it runs on. The tests
and the demo run on the in-process engine ``mongomock-ng`` (``connect("mongomock://db")``),
which lacks some operators and evaluates others differently from the MongoDB manual. This
package fills those gaps in the engine only, following each operator's page in the manual
(null/missing handling and error cases included); ``embedded`` lists them.

How the patches are installed: :func:`mongodbapi.engine.embedded.install` (called when a
``mongomock://`` client is made) imports the area modules and calls each one's
``install()``, once per process, under a lock. Every function put into the engine carries
a mark (``values.MARK``), so installing again never wraps a wrapper.

- ``operators``: wraps the dispatch methods of ``mongomock_ng.aggregate._Parser``; the
  operators listed in the ``HANDLERS`` of ``strings``, ``arithmetic``, ``trigonometry``,
  ``conversion``, ``dates``, ``accumulators`` (and its own comparisons and ``$not``) go to
  those handlers, every other operator to the engine's method.
- ``accumulators``: entries of ``aggregate._GROUPING_OPERATOR_MAP`` ($group, $bucket).
- ``conversion``: the ``$toDecimal`` conversion handler.
- ``query``: ``filtering.bson_compare`` (BSON order, from ``bson_order``), query equality,
  dotted paths and ``$type`` in ``mongomock_ng.filtering``.
- ``projection``: ``collection._project_by_spec`` (a path through an array of mixed elements).
- ``keys``: the key methods of ``store.CollectionStore`` (Decimal128 ``_id`` values).
- ``updates``: entries of ``collection._updaters`` ($inc, $mul, $min, $max).
- ``clock``: ``$$NOW``/``$$CLUSTER_TIME`` in ``_Parser._parse_basic_expression``, from a
  clock that each command (``Collection`` methods, ``Cursor._compute_results``,
  ``process_pipeline``) sets once in a context variable.
- ``pipeline``: ``aggregate.process_pipeline``, which runs the per-document stages that
  feed a ``$limit`` lazily, document by document, as a server does.
- ``stages``, ``windows``, ``documents``: entries of ``aggregate._PIPELINE_HANDLERS``
  ($group, $count, $addFields/$set; $setWindowFields; $documents, $unionWith, $lookup),
  ``Collection.aggregate`` and a new ``Database.aggregate``.

``values`` and ``numeric`` hold what the others share: the missing marker, BSON type
names, argument checks, the server's error codes and its number types.

``storage`` is not a patch: it keeps an in-process server's data in a file
(``mongomock://db?file=PATH``), loaded when the server starts and written back by the driver
whenever data becomes durable.
"""
