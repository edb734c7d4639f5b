/*
 * ingest.h
 *	  The pieces of event ingest (event_ingest.c) shared by its files:
 *	  the records of a chunk, the steps, and the helpers they use.
 *
 *	  event_ingest.c	entry points, reading the batch, chunks, the call
 *	  ingest_resolve.c	steps 1-3: vocabulary, hashes, shipments
 *	  ingest_write.c	steps 4-7: locks, classification, writes, states
 *	  ingest_db.c		statements, cbl.ingest_rowset, index probes
 *	  ingest_util.c		a hash map of byte strings, lists of int64
 */
#ifndef CBL_INGEST_H
#define CBL_INGEST_H

#include "access/genam.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "event_parse.h"

/* Advisory locks: (LOCK_SPACE, bucket of the shipment id), 512 buckets. */
#define LOCK_SPACE			1667392049
#define LOCK_BUCKETS		512

#define HASH_LEN			32	/* content hash: 128 bits as hex */

/* ---- helpers (ingest_util.c) ---------------------------------------------- */

/* A hash map from byte strings to int. */
/* One slot: a probe reads one cache line, not four arrays. */
typedef struct KeyMapEntry
{
	const char *key;			/* NULL: an empty slot */
	uint32		hash;
	int			len;
	int			val;
} KeyMapEntry;

typedef struct KeyMap
{
	int			cap;			/* a power of 2 */
	int			n;
	KeyMapEntry *slots;
} KeyMap;

extern void KeyMapInit(KeyMap *m, int expected);
extern int *KeyMapSlot(KeyMap *m, const char *key, int len, bool *found);
extern int *KeyMapSlotCopy(KeyMap *m, const char *key, int len, bool *found);
extern int	KeyMapGet(const KeyMap *m, const char *key, int len);

typedef struct Int64List
{
	int64	   *v;
	int			n;
	int			cap;
	MemoryContext cxt;			/* where it lives; NULL: the current one */
} Int64List;

extern void Int64Add(Int64List *l, int64 x);
extern int	Int64Cmp(const void *a, const void *b);
extern void Int64Unique(Int64List *l);

/* ---- records ------------------------------------------------------------- */

/* One batch element. */
typedef struct Elem
{
	int32		position;		/* from 1 */
	bool		ok;				/* false: reject says why */
	const char *reject;
	const char *raw;			/* the element as sent, or NULL: see RawOf() */
	size_t		offset;			/* stream: its bytes in the text */
	size_t		length;

	const char *source;
	const char *event_id;
	const char *shipment;		/* one reference, or several separated by \x1f */
	const char *milestone_in;	/* as given, or NULL with standard + code */
	const char *standard;
	const char *code;
	const char *version;
	const char *qualifier;
	const char *classifier_in;	/* NULL: the code map's */
	TimestampTz occurred_at;
	TimestampTz updated_at;
	bool		has_updated_at;
	bool		retracted;
	bool		partial;
	const char *location;
	const char *reason_code_in;
	const char *payload;

	/* resolved */
	const char *milestone;		/* canonical code */
	int16		milestone_id;
	const char *classifier;		/* PLN, EST or ACT */
	const char *reason_code;
	int64		event_key;
	char		hash[HASH_LEN + 1];
	int			first_target;	/* its (element, shipment) rows */
	int			ntargets;
} Elem;

/* One element for one shipment: what is classified. */
typedef struct Target
{
	int			elem;
	int64		shipment_id;
	const char *ref;			/* the reference that found the shipment */
	int			identity;
	char		outcome;		/* see OUT_* */
	int32		revision;		/* the revision written */
	int32		rank;			/* among the fresh contents of its identity, from 1 */
} Target;

#define OUT_DUPLICATE	'd'
#define OUT_ACCEPTED	'a'
#define OUT_UPDATED		'u'
#define OUT_RETRACTED	'r'
#define OUT_CONFLICT	'c'

/* (shipment, source, event_id) and what cbl.event holds of it. */
typedef struct Identity
{
	int64		shipment_id;
	const char *source;
	const char *event_id;
	int32		max_rev;		/* 0: nothing stored */
	TimestampTz cur_updated_at; /* of the highest revision */
	bool		cur_has_updated_at;
	bool		was_retracted;
	int			cur_hash;		/* in hashes[]: the highest revision's */
	int			first_hash;		/* the stored content hashes, in hashes[] */
	int			nhashes;
	int			first_target;	/* its targets, in order[] */
	int			ntargets;
} Identity;


typedef struct Ingest
{
	Oid			state_type;
	bool		all_locked;		/* every bucket locked up front (several chunks) */
	bool		notify_at_end;	/* several chunks: announce every change at the end */
	const char *text;			/* the batch text, when read from one */
	int64		accepted,
				duplicate,
				updated,
				conflict,
				retracted,
				rejected,
				pending;
	Int64List	changed;		/* shipments whose stored state changed */
	Int64List	replaced;		/* shipments whose current events changed */
} Ingest;

/* One chunk of the batch. */
typedef struct Chunk
{
	Elem	   *elems;
	int			nelems;
	int			cap;
	Target	   *targets;
	int			ntargets;
	Identity   *ids;
	int			nids;
	int		   *order;			/* targets grouped by identity */
	int		   *by_key;			/* identities in (shipment, source, event_id) order */
	char	  (*hashes)[HASH_LEN + 1];	/* stored content hashes */
	int			nhashes;
	Int64List	ships;			/* shipments written to, sorted */
	int16	   *frameworks;		/* and their frameworks' ids */
	char	  **references;		/* and references */
} Chunk;

/* ---- the database side (ingest_db.c) ---------------------------------------- */

/* SPI arguments: one array per column, or the rows of cbl.ingest_rowset(). */
typedef struct Col
{
	Oid			type;
	Datum	   *v;
	bool	   *isnull;
	int			n;
} Col;

extern void ColInit(Col *c, Oid type, int cap);
extern void ColDatum(Col *c, Datum d, bool isnull);
extern void ColText(Col *c, const char *s);

typedef enum
{
	Q_MILESTONE, Q_CODE_MAP, Q_EVENT, Q_CONFLICT, Q_PENDING, Q_REJECT, Q_SOURCE, Q_STATE_UPDATE,
	Q_STATE_INSERT, Q_DERIVE, Q_ANNOUNCE, Q_CHANGED, Q_STATE_UPDATE_BY_ID, N_QUERIES
} QueryId;

/* Conflicts, pending events and rejects take these columns of a cbl.ingest_row first. */
#define N_ROW_ARGS 16

extern Oid	StateTypeOid(void);
extern void Run(QueryId q, Oid state_type, Col *cols, int ncols, int expect);
extern void RunIds(Ingest *in, QueryId q, const Int64List *ids);
extern int32 GetInt32(int row, int col, bool *isnull);
extern char *GetText(int row, int col);

typedef struct Probe
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	snapshot;
	Buffer		vmbuffer;		/* index-only probes: the visibility map page */
	int			nkeys;
	ScanKeyData keys[3];

	/*
	 * A partitioned table (cbl.event): each key is probed in the leaf
	 * partition its first column routes to (ProbeKeys), through the leaf's
	 * partition of the named index or, if the parent has none, the leaf's
	 * primary key; heap, index, scan and slot are that leaf's, or NULL while
	 * the key routes to no partition.
	 */
	Relation	parent;			/* the partitioned table, or NULL */
	Oid			parent_index;	/* the named partitioned index, or InvalidOid */
	Oid			leaf;			/* the current leaf partition, or InvalidOid */
	struct AttrMap *map;		/* the parent's attribute numbers in the leaf, if they differ */

	/*
	 * Through SQL instead: a Citus table, whose rows are in shards that only
	 * a query reaches (docs/scaling.md), or cbl.ingest_probe_by_query on.
	 * heap is the table (kept open for Att), scan and index stay NULL.
	 */
	bool		byquery;
	SPIPlanPtr	plan;			/* the rows with the keys, in index order */
	SPITupleTable *rows;		/* the current key's rows */
	uint64		row;			/* the next of them */
	HeapTuple	current;		/* the row ProbeNext() moved to */
	int			nindexatts;		/* the index's columns (for ProbeNextIndexOnly) */
	AttrNumber	indexatts[INDEX_MAX_KEYS];	/* ... as the table's attribute numbers */
} Probe;

extern bool cbl_ingest_probe_by_query;

extern void ProbeOpen(Probe *p, const char *table, const char *index, int nkeys, const Oid *procs);
extern void ProbeKeys(Probe *p, const Datum *values);
extern bool ProbeNext(Probe *p);
extern bool ProbeNextIndexOnly(Probe *p, Datum *values, bool *isnull);
extern Datum ProbeGet(Probe *p, AttrNumber att, bool *isnull);
extern void ProbeClose(Probe *p);
extern AttrNumber Att(Probe *p, const char *column);

/* ---- the steps --------------------------------------------------------------- */

/* ingest_resolve.c */
extern void ResolveVocabulary(Ingest *in, Chunk *c);
extern void ContentHashAs(const Elem *e, bool has_updated_at, TimestampTz updated_at, StringInfo buf,
						  char *out);
extern void HashElem(Elem *e, StringInfo buf);
extern void ResolveShipments(Ingest *in, Chunk *c);

/* ingest_write.c */
extern void LockBuckets(bool *buckets);
extern void LockShipments(Ingest *in, Chunk *c);
extern void LoadStored(Ingest *in, Chunk *c);
extern void Classify(Chunk *c);
extern void CheckShipments(Ingest *in, Chunk *c);
extern void WriteEvents(Ingest *in, Chunk *c);
extern void MergeStates(Ingest *in, Chunk *c);

/* event_ingest.c: step times at DEBUG1 */
extern void StepDone(const char *step);

#endif							/* CBL_INGEST_H */
