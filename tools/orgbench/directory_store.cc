#include "tools/orgbench/directory_store.h"

#include "absl/strings/str_cat.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "tools/orgbench/vocabulary.h"

namespace coopnet::orgbench {
namespace {

const pg::Statement kSettings{
    "SELECT name || ' = ' || current_setting(name) FROM pg_settings"
    " WHERE name IN ('server_version', 'shared_buffers', 'work_mem', 'jit',"
    "                'effective_cache_size', 'max_parallel_workers_per_gather')"
    " ORDER BY name"};

// $1 ids, $2 the number of the first, $3 base time, then the vocabulary (see Vocabulary):
// $4 countries, $5 NUTS prefixes, $6 working languages, $7 description languages,
// $8 cities, $9 languages, $10 organisation words, $11 municipality words, $12 sentences,
// $13 theme phrases, $14 themes, $15 syllables, $16 kinds. h1 ... h9 are independent
// pseudo-random numbers of the organisation's number.
const pg::Statement kInsertGenerated{R"sql(
INSERT INTO organisations (id, display_name, legal_name, kind, country, nuts_region, city,
  description, working_languages, themes, sdgs, international_experience, looking_for_partners,
  revision, create_time, update_time)
SELECT o.id,
  CASE WHEN o.kind IN ('MUNICIPALITY', 'REGIONAL_AUTHORITY')
       THEN o.municipality_word || ' ' || o.made_up
       ELSE o.organisation_word || ' ' || o.made_up || ' ' || o.city END,
  '', o.kind, o.country, o.nuts, o.city,
  CASE WHEN o.language = 'en'
       THEN jsonb_build_object('translations', jsonb_build_object('en', o.english),
                               'default_language', 'en')
       ELSE jsonb_build_object('translations', jsonb_build_object('en', o.english,
                                                                  o.language, o.local),
                               'default_language', o.language) END,
  CASE WHEN o.working_language = 'en' THEN ARRAY['en']
       WHEN o.h9 % 4 = 0 THEN ARRAY[o.working_language, 'en', 'de']
       ELSE ARRAY[o.working_language, 'en'] END,
  ARRAY[($14::text[])[o.t1], ($14::text[])[o.t2]],
  CASE WHEN o.h8 % 2 = 0 THEN ARRAY[1 + o.h8 % 17]::int[]
       ELSE ARRAY[1 + o.h8 % 17, 1 + (o.h8 % 17 + 1 + (o.h8 / 17) % 16) % 17]::int[] END,
  (ARRAY['NEWCOMER', 'SOME', 'EXPERIENCED', 'EXPERIENCE_UNSPECIFIED'])[1 + o.h9 % 4],
  o.h7 % 5 < 2,
  1, o.create_time, o.create_time
FROM (
  SELECT g.id, g.create_time, c.*, l.*, g.h7, g.h8, g.h9,
    ($8::text[])[(c.ci - 1) * 6 + 1 + g.h2 % 6] AS city,
    ($16::text[])[1 + g.h3 % cardinality($16::text[])] AS kind,
    ($10::text[])[(l.li - 1) * 4 + 1 + g.h4 % 4] AS organisation_word,
    ($11::text[])[l.li] AS municipality_word,
    initcap(($15::text[])[1 + g.h5 % 40] || ($15::text[])[1 + (g.h5 / 40) % 40]
            || ($15::text[])[1 + (g.h5 / 1600) % 40]) AS made_up,
    c.nuts_prefix || (1 + g.h6 % 9) || (1 + (g.h6 / 9) % 5) || (1 + (g.h6 / 45) % 9) AS nuts,
    t.t1, t.t2,
    replace(replace(replace(($12::text[])[1], '{1}', ($13::text[])[t.t1]), '{2}',
                    ($13::text[])[t.t2]), '{3}', ($8::text[])[(c.ci - 1) * 6 + 1 + g.h2 % 6])
      AS english,
    replace(replace(replace(($12::text[])[l.li], '{1}', ($13::text[])[(l.li - 1) * 10 + t.t1]),
                    '{2}', ($13::text[])[(l.li - 1) * 10 + t.t2]),
            '{3}', ($8::text[])[(c.ci - 1) * 6 + 1 + g.h2 % 6]) AS local
  FROM (
    SELECT ids.id, $3::timestamptz + (($2::bigint + ids.n - 1) * interval '1 millisecond')
             AS create_time,
           (hashint8extended($2::bigint + ids.n, 1) & 1073741823) AS h1,
           (hashint8extended($2::bigint + ids.n, 2) & 1073741823) AS h2,
           (hashint8extended($2::bigint + ids.n, 3) & 1073741823) AS h3,
           (hashint8extended($2::bigint + ids.n, 4) & 1073741823) AS h4,
           (hashint8extended($2::bigint + ids.n, 5) & 1073741823) AS h5,
           (hashint8extended($2::bigint + ids.n, 6) & 1073741823) AS h6,
           (hashint8extended($2::bigint + ids.n, 7) & 1073741823) AS h7,
           (hashint8extended($2::bigint + ids.n, 8) & 1073741823) AS h8,
           (hashint8extended($2::bigint + ids.n, 9) & 1073741823) AS h9,
           (hashint8extended($2::bigint + ids.n, 10) & 1073741823) AS h10
    FROM unnest($1::text[]) WITH ORDINALITY AS ids(id, n)
  ) g
  CROSS JOIN LATERAL (
    SELECT 1 + g.h1 % cardinality($4::text[]) AS ci) ci
  CROSS JOIN LATERAL (
    SELECT ci.ci, ($4::text[])[ci.ci] AS country, ($5::text[])[ci.ci] AS nuts_prefix,
           ($6::text[])[ci.ci] AS working_language) c
  CROSS JOIN LATERAL (
    SELECT ($7::int[])[c.ci] AS li, ($9::text[])[($7::int[])[c.ci]] AS language) l
  CROSS JOIN LATERAL (
    SELECT 1 + g.h10 % 10 AS t1, 1 + (g.h10 % 10 + 1 + (g.h10 / 10) % 9) % 10 AS t2) t
) o
)sql"};

}  // namespace

absl::Status InsertGenerated(pg::Pool& pool, int64_t first, int64_t count, absl::Time base) {
  std::vector<std::string> ids;
  ids.reserve(count);
  for (int64_t n = first; n < first + count; ++n) {
    ids.push_back(resource::NewId(base + absl::Milliseconds(n)));
  }
  const Vocabulary& v = Vocabulary::Get();
  return pool
      .Exec(kInsertGenerated, ids, first, base, v.countries, v.nuts_prefixes, v.working_languages,
            v.description_languages, v.cities, v.languages, v.organisation_words,
            v.municipality_words, v.sentences, v.theme_phrases, v.themes, v.syllables, v.kinds)
      .status();
}

absl::Status Analyze(pg::Pool& pool) {
  // One command at a time: VACUUM runs outside any transaction.
  return pool.Run([](pg::Session& session) -> absl::Status {
    COOPNET_RETURN_IF_ERROR(session.ExecScript("VACUUM ANALYZE organisations"));
    return session.ExecScript("VACUUM ANALYZE search_words");
  });
}

absl::StatusOr<std::vector<std::string>> ServerSettings(pg::Pool& pool) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool.Exec(kSettings));
  std::vector<std::string> lines;
  for (int row = 0; row < r.rows(); ++row) lines.push_back(r.GetString(row, 0));
  return lines;
}

}  // namespace coopnet::orgbench
