"""Short German and Spanish news items, written for these tests, for mixed-language streams.

A Berlin or Madrid newsroom follows a story in its own language while most of its feeds
are English wires. Each language has one story (``*_STORY``: the reports in the order
they were published, the first ones are a story's seeds) and unrelated news on other
subjects in the same language (``*_OTHER``), which must stay off-topic however many
function words ("der", "und", "que", "los") they share with the story.

Items are ``(headline, body)`` pairs.
"""

from __future__ import annotations

# A bridge collapse in Dresden.
DE_STORY: tuple[tuple[str, str], ...] = (
    (
        "Carolabrücke in Dresden teilweise eingestürzt",
        "In Dresden ist in der Nacht ein Teil der Carolabrücke in die Elbe gestürzt. "
        "Verletzt wurde nach Angaben der Feuerwehr niemand, weil zum Zeitpunkt des "
        "Einsturzes keine Straßenbahn auf der Brücke unterwegs war. Die Stadt sperrte den "
        "Bereich um die Brücke weiträumig ab.",
    ),
    (
        "Einsturz der Carolabrücke: Fernwärmeleitungen beschädigt",
        "Beim Einsturz der Carolabrücke in Dresden sind auch zwei Fernwärmeleitungen "
        "beschädigt worden. Die Dresdner Verkehrsbetriebe leiten ihre Straßenbahnen über "
        "andere Elbbrücken um. Ein Sprecher der Stadt sagte, die Ursache des Einsturzes sei "
        "noch völlig unklar.",
    ),
    (
        "Dresden: Feuerwehr sichert Trümmer der Carolabrücke",
        "Die Feuerwehr hat am Vormittag begonnen, die Trümmer der eingestürzten "
        "Carolabrücke in der Elbe zu sichern. Ein Statiker der Stadt Dresden warnte, auch "
        "die übrigen Brückenzüge könnten einsturzgefährdet sein. Der Schiffsverkehr auf der "
        "Elbe wurde eingestellt.",
    ),
    (
        "Carolabrücke: Korrosion als mögliche Ursache des Einsturzes",
        "Nach dem Einsturz der Carolabrücke in Dresden prüfen Experten, ob Korrosion an den "
        "Spannstählen die Ursache war. Die Brücke aus dem Jahr 1971 sollte ohnehin saniert "
        "werden, sagte der Baubürgermeister von Dresden. Die Staatsanwaltschaft hat ein "
        "Prüfverfahren eingeleitet.",
    ),
    (
        "Hochwasser droht: Abriss der Carolabrücke soll schneller beginnen",
        "Wegen eines erwarteten Hochwassers der Elbe will die Stadt Dresden mit dem Abriss "
        "der eingestürzten Carolabrücke schneller beginnen. Bagger und Pioniere der "
        "Bundeswehr sollen die Trümmer am Neustädter Ufer bis zum Wochenende räumen.",
    ),
    (
        "Sprengung an der Carolabrücke: Brückenzug kontrolliert abgerissen",
        "An der Carolabrücke in Dresden ist ein weiterer Brückenzug kontrolliert gesprengt "
        "worden. Die Stadt hatte die Anwohner am Terrassenufer am Morgen gebeten, ihre "
        "Wohnungen zu verlassen. Die Sprengung verlief nach Angaben der Feuerwehr ohne "
        "Zwischenfälle.",
    ),
    (
        "Gutachten: Spannstähle der Carolabrücke waren stark korrodiert",
        "Ein erstes Gutachten bestätigt, dass die Spannstähle der Dresdner Carolabrücke "
        "durch Chlorid stark korrodiert waren. Der Gutachter sprach von einem Versagen, das "
        "bei den regelmäßigen Prüfungen kaum zu erkennen gewesen sei. Die Stadt will nun "
        "alle Brücken aus Spannbeton untersuchen lassen.",
    ),
    (
        "Nach Brückeneinsturz in Dresden: Straßenbahnen fahren wieder über Augustusbrücke",
        "Zwei Wochen nach dem Einsturz der Carolabrücke fahren die Straßenbahnen der "
        "Dresdner Verkehrsbetriebe wieder regulär durch die Altstadt. Die Linien 3 und 7 "
        "nutzen nun die Augustusbrücke. Pendler müssen trotzdem mit längeren Fahrzeiten "
        "rechnen.",
    ),
    (
        "Carolabrücke: Stadtrat streitet über Neubau",
        "Der Dresdner Stadtrat hat über einen Neubau der eingestürzten Carolabrücke "
        "gestritten. Die Grünen wollen eine schmalere Brücke für Straßenbahnen, Radfahrer "
        "und Fußgänger, die CDU fordert wieder vier Fahrspuren für Autos. Eine Entscheidung "
        "soll im Frühjahr fallen.",
    ),
    (
        "Bund sagt Dresden Hilfe für neue Carolabrücke zu",
        "Der Bundesverkehrsminister hat der Stadt Dresden finanzielle Hilfe für den Neubau "
        "der Carolabrücke zugesagt. Die Kosten werden auf mehr als 100 Millionen Euro "
        "geschätzt. Bis die neue Brücke über die Elbe fertig ist, dürften mehrere Jahre "
        "vergehen.",
    ),
)

DE_OTHER: tuple[tuple[str, str], ...] = (
    (
        "Bundestag beschließt Reform des Wahlrechts",
        "Der Bundestag hat mit den Stimmen der Koalition eine Reform des Wahlrechts "
        "beschlossen. Die Zahl der Abgeordneten soll damit dauerhaft auf 630 begrenzt "
        "werden. Die Opposition kündigte eine Klage vor dem Bundesverfassungsgericht an.",
    ),
    (
        "Bayern München gewinnt das Spitzenspiel gegen Dortmund",
        "Der FC Bayern München hat das Spitzenspiel der Bundesliga gegen Borussia Dortmund "
        "mit drei zu eins gewonnen. Harry Kane traf zweimal, die Dortmunder kamen erst in "
        "der Nachspielzeit zu ihrem Tor.",
    ),
    (
        "Inflation in Deutschland sinkt auf zwei Prozent",
        "Die Inflationsrate in Deutschland ist im Oktober auf zwei Prozent gesunken, teilte "
        "das Statistische Bundesamt in Wiesbaden mit. Vor allem Energie und Heizöl wurden "
        "billiger, Lebensmittel kosteten dagegen mehr als im Vorjahr.",
    ),
    (
        "Unwetter in Baden-Württemberg: Keller überflutet",
        "Heftige Gewitter haben in Baden-Württemberg zahlreiche Keller überflutet und Bäume "
        "entwurzelt. Die Feuerwehr war die ganze Nacht im Einsatz, verletzt wurde nach "
        "ersten Angaben niemand.",
    ),
    (
        "Neues Museum für moderne Kunst in Hamburg eröffnet",
        "In der Hamburger Hafencity hat ein neues Museum für moderne Kunst eröffnet. Der "
        "Bürgermeister sprach von einem Gewinn für die ganze Stadt, die Eintrittspreise "
        "sorgten dagegen für Kritik.",
    ),
    (
        "Lufthansa streicht Flüge wegen Warnstreiks",
        "Wegen eines Warnstreiks des Bodenpersonals streicht die Lufthansa am Mittwoch "
        "zahlreiche Flüge in Frankfurt und München. Die Gewerkschaft Verdi fordert mehr "
        "Lohn und kürzere Arbeitszeiten für die Beschäftigten.",
    ),
    (
        "Bundesregierung einigt sich auf Haushalt",
        "Nach wochenlangem Streit hat sich die Bundesregierung auf den Haushalt für das "
        "kommende Jahr geeinigt. Der Finanzminister sagte, die Schuldenbremse werde "
        "eingehalten, bei der Bahn und der Bundeswehr wird aber nicht gespart.",
    ),
    (
        "Polizei nimmt mutmaßlichen Betrüger in Köln fest",
        "Die Polizei hat in Köln einen Mann festgenommen, der sich am Telefon als Polizist "
        "ausgegeben und Senioren um ihr Erspartes gebracht haben soll. Die Ermittler fanden "
        "in seiner Wohnung Bargeld und Schmuck.",
    ),
    (
        "Volkswagen kündigt Stellenabbau in Wolfsburg an",
        "Der Volkswagen-Konzern will in den kommenden Jahren Tausende Stellen in der "
        "Verwaltung abbauen. Der Betriebsrat kündigte Widerstand an und sprach von einem "
        "Bruch der Vereinbarungen mit der Belegschaft.",
    ),
    (
        "Waldbrand im Harz weitgehend unter Kontrolle",
        "Der Waldbrand am Brocken im Harz ist nach Angaben des Landkreises weitgehend unter "
        "Kontrolle. Hubschrauber der Bundespolizei hatten zwei Tage lang Wasser über dem "
        "Gebiet abgeworfen, die Brockenbahn fährt wieder.",
    ),
    (
        "Deutsche Bahn meldet mehr Verspätungen",
        "Die Deutsche Bahn ist im vergangenen Monat so unpünktlich gewesen wie lange nicht. "
        "Nur etwa 60 Prozent der Fernzüge kamen pünktlich an, teilte der Konzern mit, und "
        "nannte Baustellen und alte Stellwerke als Gründe.",
    ),
    (
        "Landtagswahl in Thüringen: Ergebnisse am Abend",
        "In Thüringen wird an diesem Sonntag ein neuer Landtag gewählt. Die Wahllokale sind "
        "bis 18 Uhr geöffnet, erste Hochrechnungen werden für den frühen Abend erwartet. Die "
        "Wahlbeteiligung lag am Mittag höher als vor fünf Jahren.",
    ),
    (
        "Berliner Philharmoniker gehen auf Asien-Tournee",
        "Die Berliner Philharmoniker brechen zu einer Tournee durch Japan, Südkorea und "
        "Taiwan auf. Auf dem Programm stehen Werke von Brahms und Mahler, die Konzerte in "
        "Tokio sind seit Wochen ausverkauft.",
    ),
    (
        "Mietpreise in Großstädten steigen weiter",
        "Die Mieten in den deutschen Großstädten sind im vergangenen Jahr erneut gestiegen. "
        "Am teuersten bleibt München, in Berlin legten die Angebotsmieten am stärksten zu, "
        "wie eine Auswertung eines Immobilienportals zeigt.",
    ),
    (
        "Gericht kippt Tempolimit auf Stadtautobahn",
        "Das Verwaltungsgericht hat ein Tempolimit von 60 Kilometern pro Stunde auf einer "
        "Stadtautobahn in Stuttgart gekippt. Die Stadt habe die Belastung mit Stickoxiden "
        "nicht ausreichend begründet, urteilten die Richter.",
    ),
    (
        "Zahl der Asylanträge geht zurück",
        "Die Zahl der Asylanträge in Deutschland ist im ersten Halbjahr deutlich "
        "zurückgegangen. Das Bundesamt für Migration und Flüchtlinge zählte rund ein Viertel "
        "weniger Erstanträge als im Vorjahreszeitraum.",
    ),
    (
        "Handball-Nationalmannschaft zieht ins Halbfinale ein",
        "Die deutsche Handball-Nationalmannschaft hat das Halbfinale der Europameisterschaft "
        "erreicht. Gegen Frankreich gewann die Mannschaft von Bundestrainer Alfred Gislason "
        "nach einer starken zweiten Halbzeit mit 30 zu 27.",
    ),
    (
        "Hitzewelle: Wetterdienst warnt vor über 35 Grad",
        "Der Deutsche Wetterdienst warnt für das Wochenende vor großer Hitze im Süden und "
        "Osten des Landes. In Teilen von Brandenburg und Sachsen sollen die Temperaturen auf "
        "mehr als 35 Grad steigen, die Waldbrandgefahr ist hoch.",
    ),
    (
        "Siemens steigert Gewinn deutlich",
        "Der Technologiekonzern Siemens hat im abgelaufenen Quartal deutlich mehr verdient "
        "als erwartet. Vor allem das Geschäft mit der Automatisierung von Fabriken lief gut, "
        "die Aktie stieg an der Börse in Frankfurt um vier Prozent.",
    ),
    (
        "Ärztestreik: Kliniken verschieben Operationen",
        "Wegen eines Warnstreiks der Ärzte an kommunalen Kliniken werden in vielen Städten "
        "planbare Operationen verschoben. Der Marburger Bund verlangt höhere Gehälter und "
        "weniger Bereitschaftsdienste für die Ärztinnen und Ärzte.",
    ),
    (
        "Wolf reißt Schafe in Niedersachsen",
        "In Niedersachsen hat ein Wolf auf einer Weide mehrere Schafe gerissen. Die "
        "Schäfer fordern, dass einzelne Wölfe schneller geschossen werden dürfen, der "
        "Umweltminister will zunächst die Untersuchung abwarten.",
    ),
    (
        "Oktoberfest endet mit weniger Besuchern",
        "Das Oktoberfest in München ist mit weniger Besuchern als im Vorjahr zu Ende "
        "gegangen. Die Wiesn-Wirte zeigten sich trotzdem zufrieden, die Polizei sprach von "
        "einem friedlichen Fest mit wenigen Einsätzen.",
    ),
    (
        "Neue Regeln für das Bürgergeld",
        "Für Empfänger des Bürgergelds gelten vom kommenden Jahr an strengere Regeln. Wer "
        "eine zumutbare Arbeit ablehnt, dem kann die Leistung deutlich gekürzt werden, wie "
        "das Arbeitsministerium mitteilte.",
    ),
    (
        "Schülerin gewinnt Bundeswettbewerb Jugend forscht",
        "Eine 17 Jahre alte Schülerin aus Leipzig hat den Bundeswettbewerb Jugend forscht "
        "gewonnen. Sie entwickelte einen Sensor, der Mikroplastik im Wasser erkennen kann, "
        "und erhielt dafür den Preis der Bundeskanzlerin.",
    ),
    (
        "Autobahn 7 nach Unfall stundenlang gesperrt",
        "Nach einem Unfall mit einem Lastwagen ist die Autobahn 7 bei Hamburg in Richtung "
        "Norden stundenlang gesperrt gewesen. Der Fahrer wurde leicht verletzt, auf der "
        "Umleitung bildeten sich lange Staus.",
    ),
)

# A forest fire on Tenerife.
ES_STORY: tuple[tuple[str, str], ...] = (
    (
        "Un incendio forestal en Tenerife obliga a desalojar varios pueblos",
        "Un incendio forestal declarado en el norte de Tenerife ha obligado a desalojar a "
        "cientos de vecinos de Arafo y Candelaria. El Gobierno de Canarias ha pedido la "
        "ayuda de la Unidad Militar de Emergencias, porque las llamas avanzan sin control "
        "por el monte.",
    ),
    (
        "El fuego de Tenerife ya ha quemado más de 3.000 hectáreas",
        "El incendio de Tenerife ha arrasado ya más de 3.000 hectáreas de pinar, según el "
        "Cabildo. Los medios aéreos no pudieron volar durante la noche y los bomberos "
        "trabajan para evitar que las llamas lleguen a las casas de La Esperanza.",
    ),
    (
        "Canarias pide ayuda al Estado para frenar el incendio de Tenerife",
        "El presidente de Canarias, Fernando Clavijo, ha pedido más medios al Gobierno para "
        "frenar el incendio de Tenerife, que considera el más complejo de los últimos "
        "cuarenta años en las islas. Ya son más de 4.000 los vecinos desalojados.",
    ),
    (
        "Las llamas avanzan hacia el Parque Nacional del Teide",
        "El incendio forestal de Tenerife avanza hacia el Parque Nacional del Teide, donde "
        "se ha cerrado el acceso a los visitantes. Los hidroaviones del Ministerio de "
        "Defensa siguen descargando agua sobre el pinar de La Orotava.",
    ),
    (
        "Tenerife: la Guardia Civil investiga si el incendio fue intencionado",
        "La Guardia Civil investiga si el incendio forestal de Tenerife fue provocado. "
        "Clavijo ha confirmado que los investigadores encontraron indicios de que el fuego "
        "se inició en varios puntos a la vez en el monte de Arafo.",
    ),
    (
        "Los vecinos desalojados de Tenerife empiezan a volver a casa",
        "Miles de vecinos desalojados por el incendio de Tenerife han podido volver a sus "
        "casas en Candelaria y El Rosario. El Cabildo ha advertido de que el fuego sigue "
        "activo en las cumbres y que las carreteras del monte siguen cortadas.",
    ),
    (
        "El incendio de Tenerife, estabilizado tras doce días",
        "El Cabildo de Tenerife ha dado por estabilizado el incendio forestal que ha "
        "quemado casi 15.000 hectáreas de la isla. Los bomberos seguirán vigilando el "
        "perímetro durante semanas, porque el pinar canario puede rebrotar las llamas.",
    ),
    (
        "El Gobierno declara zona catastrófica el área del incendio de Tenerife",
        "El Consejo de Ministros ha declarado zona afectada gravemente por una emergencia "
        "el área quemada por el incendio de Tenerife. Los agricultores y ganaderos de "
        "Arafo y La Orotava podrán pedir ayudas para reparar los daños.",
    ),
    (
        "Detenido un hombre por provocar el incendio de Tenerife",
        "La Guardia Civil ha detenido a un hombre de 50 años como presunto autor del "
        "incendio forestal de Tenerife. Según los investigadores, el detenido habría "
        "prendido fuego al monte de Arafo en varios lugares la misma noche.",
    ),
    (
        "El pinar quemado de Tenerife empieza a rebrotar",
        "Dos meses después del incendio, los pinos canarios del monte de Arafo ya muestran "
        "los primeros brotes verdes. Los técnicos del Cabildo de Tenerife creen que el "
        "bosque se recuperará en pocos años gracias a la resistencia del pino canario.",
    ),
)

ES_OTHER: tuple[tuple[str, str], ...] = (
    (
        "El Congreso aprueba la reforma de las pensiones",
        "El Congreso de los Diputados ha aprobado la reforma de las pensiones con los votos "
        "del Gobierno y sus socios. La oposición critica que la subida de las cotizaciones "
        "recaerá sobre las empresas y los trabajadores.",
    ),
    (
        "El Real Madrid gana al Barcelona en el Bernabéu",
        "El Real Madrid ha ganado al Barcelona por dos goles a uno en el Santiago Bernabéu. "
        "Vinícius marcó el gol de la victoria en el último minuto y el equipo blanco es "
        "líder de la Liga con cuatro puntos de ventaja.",
    ),
    (
        "La inflación baja al 2,8 % en octubre",
        "La inflación ha bajado en octubre hasta el 2,8 %, según el dato adelantado del "
        "Instituto Nacional de Estadística. El abaratamiento de la luz y de los carburantes "
        "explica la mayor parte del descenso de los precios.",
    ),
    (
        "Una DANA deja fuertes lluvias en Valencia",
        "Una DANA ha dejado fuertes lluvias en la Comunidad Valenciana, donde se han "
        "suspendido las clases en varios municipios. Los servicios de emergencia han "
        "rescatado a varios conductores atrapados por el agua.",
    ),
    (
        "El Prado inaugura una exposición sobre Goya",
        "El Museo del Prado ha inaugurado una gran exposición sobre los dibujos de Goya. La "
        "muestra reúne más de cien obras, algunas de ellas nunca vistas por el público, y "
        "estará abierta hasta el mes de marzo.",
    ),
    (
        "Huelga de pilotos: Iberia cancela vuelos",
        "Iberia ha cancelado decenas de vuelos por la huelga de pilotos convocada por el "
        "sindicato Sepla. Los pasajeros afectados podrán cambiar su billete sin coste o "
        "pedir la devolución del importe.",
    ),
    (
        "El Gobierno presenta los Presupuestos del próximo año",
        "La ministra de Hacienda ha presentado en el Congreso los Presupuestos Generales "
        "del Estado para el próximo año. Las cuentas incluyen más gasto en vivienda y en "
        "defensa, y una subida del sueldo de los funcionarios.",
    ),
    (
        "La Policía detiene a una banda de estafadores en Sevilla",
        "La Policía Nacional ha detenido en Sevilla a once personas acusadas de estafar a "
        "personas mayores por teléfono. Los detenidos se hacían pasar por empleados de un "
        "banco para conseguir las claves de sus víctimas.",
    ),
    (
        "Seat anuncia un nuevo coche eléctrico en Martorell",
        "Seat fabricará en su planta de Martorell un nuevo coche eléctrico a partir del "
        "próximo año. La empresa invertirá más de 3.000 millones de euros y creará cientos "
        "de empleos, según anunció su presidente.",
    ),
    (
        "El paro baja en septiembre en 20.000 personas",
        "El número de parados registrados en las oficinas de empleo bajó en septiembre en "
        "20.000 personas, según el Ministerio de Trabajo. La afiliación a la Seguridad "
        "Social alcanzó un nuevo récord de 21 millones de trabajadores.",
    ),
    (
        "Elecciones en Galicia: el PP mantiene la mayoría absoluta",
        "El Partido Popular ha revalidado la mayoría absoluta en las elecciones gallegas. "
        "El BNG se convierte en la segunda fuerza del Parlamento de Galicia y el PSOE "
        "obtiene el peor resultado de su historia en la comunidad.",
    ),
    (
        "Nadal anuncia su retirada del tenis",
        "Rafa Nadal ha anunciado que se retirará del tenis profesional después de la Copa "
        "Davis. El mallorquín, ganador de 22 torneos del Grand Slam, explicó en un vídeo "
        "que su cuerpo ya no le permite competir al máximo nivel.",
    ),
    (
        "El precio del alquiler sigue subiendo en Madrid y Barcelona",
        "El precio del alquiler ha vuelto a subir en Madrid y Barcelona, donde un piso "
        "medio cuesta ya más de 1.200 euros al mes. Los jóvenes son los más afectados por "
        "la falta de vivienda asequible.",
    ),
    (
        "Un tribunal anula la multa a una empresa eléctrica",
        "El Tribunal Supremo ha anulado la multa de cinco millones de euros que la CNMC "
        "impuso a una empresa eléctrica. Los jueces consideran que el organismo no probó "
        "que la compañía manipulara los precios del mercado.",
    ),
    (
        "Llegan más de 500 migrantes a Canarias en un fin de semana",
        "Más de 500 migrantes han llegado a las costas de El Hierro y Lanzarote a bordo de "
        "varios cayucos durante el fin de semana. Salvamento Marítimo rescató a la mayoría "
        "de ellos en alta mar.",
    ),
    (
        "La selección española gana la Liga de Naciones",
        "La selección española de fútbol ha ganado la Liga de Naciones tras vencer a "
        "Croacia en la tanda de penaltis. Unai Simón fue el héroe de la final con dos "
        "paradas decisivas.",
    ),
    (
        "Ola de calor: Aemet activa la alerta roja en Córdoba",
        "La Agencia Estatal de Meteorología ha activado la alerta roja en la campiña de "
        "Córdoba, donde se esperan hasta 44 grados. Sanidad recomienda evitar la actividad "
        "física en las horas centrales del día.",
    ),
    (
        "Inditex dispara su beneficio en el primer semestre",
        "Inditex ganó 2.700 millones de euros en el primer semestre, un diez por ciento más "
        "que hace un año. Las ventas de Zara crecieron en todos los mercados y las acciones "
        "de la empresa subieron en la Bolsa de Madrid.",
    ),
    (
        "Los médicos de Madrid convocan una huelga indefinida",
        "Los médicos de atención primaria de Madrid han convocado una huelga indefinida a "
        "partir del lunes. Reclaman más tiempo para cada paciente y un límite de consultas "
        "diarias en los centros de salud.",
    ),
    (
        "Un lobo ataca un rebaño de ovejas en Ávila",
        "Un lobo ha matado a doce ovejas en una explotación ganadera de la provincia de "
        "Ávila. Los ganaderos piden a la Junta de Castilla y León que pague las "
        "indemnizaciones con más rapidez.",
    ),
    (
        "Las Fallas reciben a más visitantes que nunca",
        "Las Fallas de Valencia han recibido este año a más visitantes que nunca, según el "
        "Ayuntamiento. La cremà de la falla municipal puso fin a cinco días de fiesta con "
        "pocos incidentes.",
    ),
    (
        "Nuevas ayudas para el transporte público",
        "El Gobierno mantendrá los descuentos en el transporte público durante todo el "
        "próximo año. Los abonos de Cercanías y Media Distancia seguirán siendo gratuitos "
        "para los viajeros frecuentes.",
    ),
    (
        "Una estudiante de Zaragoza gana un premio europeo de ciencia",
        "Una estudiante de 17 años de Zaragoza ha ganado un premio europeo de jóvenes "
        "científicos. Su proyecto detecta microplásticos en el agua con un sensor barato "
        "que ella misma ha diseñado.",
    ),
    (
        "Cortada la autovía A-4 por un accidente de un camión",
        "La autovía A-4 ha permanecido cortada durante horas en Despeñaperros por el "
        "accidente de un camión. El conductor resultó herido leve y se formaron colas de "
        "varios kilómetros en dirección a Madrid.",
    ),
)
