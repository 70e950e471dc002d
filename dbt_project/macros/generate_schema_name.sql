{#- Locally the marts must be queryable as marts.fct_events, so a custom schema is used as is. On Athena every
    environment shares one Glue catalog, so schemas become <prefix>_<name> (prefix from the profile's schema). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}
    {{ target.schema }}
  {%- elif target.type == 'athena' -%}
    {{ target.schema }}_{{ custom_schema_name | trim }}
  {%- else -%}
    {{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}
