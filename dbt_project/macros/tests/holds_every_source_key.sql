{#- An incremental fact must hold every key its source holds, each at the source's latest version: fails with the
    missing or stale keys otherwise (a row a watermark skipped, a merge that lost an update). The key column has
    the same name in the source and the fact; the source's version column is a UTC instant like _ingested_at.
    Usage on the key column:
      data_tests:
        - lakehouse.holds_every_source_key:
            arguments: {source_relation: source('processed', 'events'), source_version: _ingested_at, version: ingested_at}
-#}
{% test holds_every_source_key(model, column_name, source_relation, source_version, version) %}
  with expected as (
    select {{ column_name }} as key_value, max({{ lakehouse.utc_timestamp(source_version) }}) as latest_version
    from {{ source_relation }}
    group by {{ column_name }}
  ),

  held as (
    select {{ column_name }} as key_value, {{ version }} as held_version
    from {{ model }}
  )

  select expected.key_value, expected.latest_version, held.held_version
  from expected
  left join held on held.key_value = expected.key_value
  where held.key_value is null or held.held_version < expected.latest_version
{% endtest %}
