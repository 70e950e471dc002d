{#- A stable hash key over several columns (nulls and separators spelled out so ('a', null) ≠ (null, 'a')).
    Written here instead of pulling dbt_utils: the project installs no packages at run time. -#}
{% macro surrogate_key(columns) -%}
  {%- set parts = [] -%}
  {%- for column in columns -%}
    {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '~null~')") -%}
    {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
  {%- endfor -%}
  {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- The newest row per key: the deduplication every staging model needs. Plain window SQL (no QUALIFY) so
    Athena runs it too. -#}
{% macro latest_per_key(relation, key_columns, order_by) -%}
  select * from (
    select ranked_source.*,
      row_number() over (partition by {{ key_columns | join(', ') }} order by {{ order_by }}) as _row_rank
    from {{ relation }} as ranked_source
  ) as ranked
  where _row_rank = 1
{%- endmacro %}
