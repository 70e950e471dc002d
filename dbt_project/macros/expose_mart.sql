{#- Local only: a view main.<mart> over marts.<mart>. The database file is marts.duckdb, so tools that attach it
    AS marts resolve `marts.fct_events` to catalog marts, schema main: the view answers there, while a connection
    that attaches the file under another alias (and USEs it) reads the marts schema directly. The view names the
    catalog explicitly, because inside a catalog called marts a bare `marts.x` is ambiguous. -#}
{% macro expose_mart() -%}
  {%- if target.type == 'duckdb' -%}
    create or replace view {{ this.database }}.main.{{ this.identifier }} as select * from {{ this }}
  {%- endif -%}
{%- endmacro %}
