{#- Conventions the facts and dimensions share, so every fact resolves its keys and loads its rows one way. -#}

{#- The surrogate key of a dimension's unknown member: the row a fact points at while the member it names has not
    arrived (or never will). Real keys are 32-character hashes, so this can never collide with one. -#}
{% macro unknown_member_key() -%}
  '-1'
{%- endmacro %}

{#- The dimension version (alias `version`, with valid_from / valid_to, valid_to null while current) that was
    valid at `instant`. -#}
{% macro valid_at(version, instant) -%}
  {{ instant }} >= {{ version }}.valid_from
  and ({{ version }}.valid_to is null or {{ instant }} < {{ version }}.valid_to)
{%- endmacro %}

{#- An incremental fact's load rule (ADR 0012): in an incremental run, keep only the candidate rows (alias
    `candidate`) that the fact does not already hold as they are — a key it lacks, or a key whose compared columns
    differ (a newer version, a dimension key resolved since). No watermark: a row is loaded whenever its commit
    lands, in whatever order writers commit, and the merge on the key writes only what changed. Emits the join and
    the where clause; nothing on a first or full-refresh build. -#}
{% macro only_new_or_changed(candidate, unique_key, compared_columns) -%}
  {%- if is_incremental() %}
  left join (
    select {{ unique_key }}, {{ compared_columns | join(', ') }} from {{ this }}
  ) as held on held.{{ unique_key }} = {{ candidate }}.{{ unique_key }}
  where held.{{ unique_key }} is null
    {%- for column in compared_columns %}
    or held.{{ column }} is distinct from {{ candidate }}.{{ column }}
    {%- endfor %}
  {%- endif %}
{%- endmacro %}
